"""The working rules of the hall, enforced in the service layer."""

from __future__ import annotations

import datetime
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from jisheng.hall import services
from jisheng.hall.models import Accountability, Application, ApplicationStatus, Handover
from tests.factories import A_RESIDENT, SETUP

from .conftest import PHONE, upload

D = datetime.date


def at(day: D, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, hour))


def online(item: Any, person: Any, **kwargs: Any) -> Application:
    return services.application_submit(
        item=item, person=person, channel="online", phone=PHONE, by=A_RESIDENT, **kwargs
    )


def freeze(day: D) -> Any:
    return mock.patch("django.utils.timezone.now", return_value=at(day))


def test_an_online_birth_registration_is_numbered_owned_by_the_on_duty_clerk_and_due_in_three_working_days(
    catalogue, resident, staff
) -> None:
    with freeze(D(2026, 11, 20)):
        application = online(catalogue["birth-registration"], resident, uploads=[upload("registration-form")])
    assert application.number == "SQ-411723101-20261120-0001"
    assert application.owner == staff["clerk"] and application.first_receiver == staff["clerk"]
    assert application.due_on == D(2026, 11, 25)


def test_at_the_counter_a_birth_registration_is_due_the_same_working_day(catalogue, resident, staff) -> None:
    with freeze(D(2026, 11, 20)):
        application = services.application_submit(
            item=catalogue["birth-registration"],
            person=resident,
            channel="counter",
            phone=PHONE,
            by=staff["clerk2"],
            received_materials=["registration-form"],
        )
    assert application.due_on == D(2026, 11, 20) and application.owner == staff["clerk2"]


def test_a_deadline_crossing_national_day_skips_the_holiday_and_passing_it_creates_an_accountability_record(
    catalogue, resident, staff
) -> None:
    with freeze(D(2026, 9, 30)):
        application = online(catalogue["migrant-marital-certificate"], resident, uploads=[upload("photo")])
    # 1–7 October are holidays, Saturday 10 October is a make-up working day.
    assert application.due_on == D(2026, 10, 10)
    assert services.deadline_sweep(today=D(2026, 10, 9), by=SETUP) == {"warned": 1, "overdue": 0}
    assert services.deadline_sweep(today=D(2026, 10, 12), by=SETUP) == {"warned": 0, "overdue": 1}
    record = Accountability.objects.get(application=application)
    assert record.responsible == staff["clerk"] and record.kind == "overdue"
    from jisheng.audit.models import AuditEvent

    event = AuditEvent.objects.get(action="hall.accountability")
    assert event.area_code == "411723101000" and event.after["cases"][0]["number"] == application.number
    assert services.deadline_sweep(today=D(2026, 10, 13), by=SETUP)["overdue"] == 0


def test_the_one_time_notice_stops_the_clock_and_re_submission_resumes_it(catalogue, resident, staff) -> None:
    with freeze(D(2026, 11, 16)):  # Monday, due Thursday 19th
        application = online(catalogue["birth-registration"], resident)
    with freeze(D(2026, 11, 17)):  # one working day used
        notice = services.notice_issue(
            application=application,
            problems=[{"code": "registration-form", "problem": "缺少"}],
            by=staff["clerk"],
        )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.AWAITING_CORRECTION and application.due_on is None
    assert notice.problems[0]["name"] == "生育登记表（申请人签字）"
    with freeze(D(2026, 11, 23)):  # two working days remain
        services.application_resubmit(
            application=application, uploads=[upload("registration-form")], by=A_RESIDENT
        )
    application.refresh_from_db()
    assert application.due_on == D(2026, 11, 25)


def test_a_second_notice_may_only_concern_materials_submitted_after_the_first(
    catalogue, resident, staff
) -> None:
    application = online(catalogue["birth-registration"], resident, fetch_from_registry=False)
    services.notice_issue(
        application=application, problems=[{"code": "registration-form"}], by=staff["clerk"]
    )
    services.application_resubmit(
        application=application, uploads=[upload("registration-form")], by=A_RESIDENT
    )
    with pytest.raises(ValidationError, match="结婚证"):
        services.notice_issue(
            application=application, problems=[{"code": "marriage-certificate"}], by=staff["clerk"]
        )
    services.notice_issue(
        application=application,
        problems=[{"code": "registration-form", "problem": "未签字"}],
        by=staff["clerk"],
    )


def test_the_migrant_certificate_cannot_be_declined_at_intake_by_anyone(catalogue, resident, staff) -> None:
    application = online(catalogue["migrant-marital-certificate"], resident)
    for person in (staff["clerk"], staff["head"]):
        with pytest.raises(services.UnconditionalAcceptance):
            services.application_decline(application=application, reason="材料不全", rule="无", by=person)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RECEIVED


def test_other_items_may_be_declined_naming_the_rule(catalogue, resident, staff) -> None:
    application = online(catalogue["birth-registration"], resident)
    with pytest.raises(ValidationError):
        services.application_decline(application=application, reason="不属于本镇", rule="", by=staff["clerk"])
    services.application_decline(
        application=application, reason="不属于本镇", rule="户籍地或现居住地受理", by=staff["clerk"]
    )


def test_a_refusal_overturned_on_review_creates_an_accountability_record(catalogue, resident, staff) -> None:
    application = online(catalogue["birth-registration"], resident, uploads=[upload("registration-form")])
    services.application_refuse(
        application=application, reason="不符合", rule="条例第十八条", by=staff["clerk"]
    )
    services.refusal_overturn(application=application, reason="适用条款错误", by=staff["head"])
    record = Accountability.objects.get(application=application)
    assert record.kind == "refusal_overturned" and record.responsible == staff["clerk"]


def test_when_a_is_absent_a_s_open_and_new_cases_go_to_b_and_back_when_a_returns(
    catalogue, resident, staff
) -> None:
    first = online(catalogue["birth-registration"], resident)
    assert services.post_set_absent(post=staff["post"], absent=True, by=staff["head"]) == 1
    first.refresh_from_db()
    assert first.owner == staff["clerk2"]
    second = online(catalogue["only-child-honour"], resident)  # one open case per person and item
    assert second.owner == staff["clerk2"] and second.standing_in_for == staff["clerk"]
    assert Handover.objects.filter(application=first, to_user=staff["clerk2"]).exists()
    assert services.post_set_absent(post=staff["post"], absent=False, by=staff["clerk"]) == 2
    assert set(Application.objects.values_list("owner__username", flat=True)) == {"clerk"}


def test_approval_issues_a_certificate_and_requires_every_material(catalogue, resident, staff) -> None:
    application = online(catalogue["birth-registration"], resident)
    with pytest.raises(ValidationError, match="生育登记表"):
        services.application_approve(application=application, by=staff["clerk"])
    services.notice_issue(
        application=application, problems=[{"code": "registration-form"}], by=staff["clerk"]
    )
    services.application_resubmit(
        application=application, uploads=[upload("registration-form")], by=A_RESIDENT
    )
    application = services.application_approve(application=application, by=staff["clerk"])
    assert application.certificate is not None and application.certificate.kind == "生育服务证"
    assert application.on_time is True


def test_read_only_and_other_township_staff_cannot_decide(
    catalogue, resident, staff, areas, make_user
) -> None:
    from django.core.exceptions import PermissionDenied

    application = online(catalogue["birth-registration"], resident, uploads=[upload("registration-form")])
    other = make_user(areas["township_b"], "counter_clerk")
    for person in (staff["auditor"], other):
        with pytest.raises(PermissionDenied):
            services.application_approve(application=application, by=person)


def test_a_bad_rating_goes_on_the_follow_up_list_with_fifteen_working_days(
    catalogue, resident, staff
) -> None:
    application = online(catalogue["birth-registration"], resident, uploads=[upload("registration-form")])
    application = services.application_approve(application=application, by=staff["clerk"])
    with freeze(D(2026, 9, 25)):
        rating = services.rating_submit(application=application, level=2, comment="等太久", by=A_RESIDENT)
    assert rating.follow_up_due == D(2026, 10, 23)
    services.rating_reply(rating=rating, reply="已电话回访并致歉", by=staff["clerk"])
    with pytest.raises(ValidationError):
        services.rating_submit(application=application, level=5, by=A_RESIDENT)


def test_uploads_must_be_photos_or_pdfs(catalogue, resident, staff) -> None:
    from jisheng.hall.services import Upload

    with pytest.raises(ValidationError, match="只接受"):
        online(
            catalogue["birth-registration"],
            resident,
            uploads=[Upload("registration-form", "a.exe", b"MZ\x90")],
        )


def test_loading_the_catalogue_twice_changes_nothing(catalogue) -> None:
    assert services.catalogue_load(by=SETUP)["items"] == 0
    assert catalogue["migrant-marital-certificate"].unconditional
    assert catalogue["additional-birth-approval"].effective_to == D(2021, 8, 19)


def test_an_item_approved_by_the_county_cannot_be_approved_at_the_township(
    catalogue, resident, staff, areas, make_user
) -> None:
    from django.core.exceptions import PermissionDenied

    item = catalogue["only-child-honour"]
    application = services.application_submit(
        item=item,
        person=resident,
        channel="counter",
        phone=PHONE,
        by=staff["clerk"],
        received_materials=[m.code for m in item.materials.all()],
    )
    with pytest.raises(PermissionDenied):
        services.application_approve(application=application, by=staff["head"])
    county = make_user(areas["county"], "county_staff")
    assert (
        services.application_approve(application=application, by=county).certificate.kind
        == "独生子女父母光荣证"
    )


def test_a_refusal_without_reason_is_refused_in_chinese_and_in_english_when_english_is_chosen(
    catalogue, resident, staff
) -> None:
    from django.utils import translation

    application = online(catalogue["birth-registration"], resident, uploads=[upload("registration-form")])
    with pytest.raises(ValidationError) as chinese:
        services.application_refuse(
            application=application, reason=" ", rule="条例第十八条", by=staff["clerk"]
        )
    assert chinese.value.messages == ["「理由」：不予办理必须书面说明理由"]
    with translation.override("en"), pytest.raises(ValidationError) as english:
        services.application_refuse(
            application=application, reason=" ", rule="条例第十八条", by=staff["clerk"]
        )
    assert english.value.messages == ["“Reason”: a refusal must give its reason in writing"]
