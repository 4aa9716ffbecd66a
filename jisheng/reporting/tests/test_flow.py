"""Village → township → county: open prefilled, submit, return, approve, lock, unlock, compile."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jisheng.audit.models import AuditEvent
from jisheng.reporting import services
from jisheng.reporting.models import Report

from .helpers import births, fill_and_submit, marriage, on_time


@pytest.mark.django_db
def test_a_village_report_opens_with_the_registry_figures_prefilled(areas, forms, month, staff):
    births(areas["village_a"], datetime.date(2026, 10, 5), male=2, female=1, order=2)
    marriage(areas["village_a"], datetime.date(2026, 10, 9))
    births(areas["village_a"], datetime.date(2026, 9, 30), male=1)  # the month before: not counted
    report = services.report_open(
        form=forms["village_month"], period=month, area=areas["village_a"], by=staff["village"]
    )
    assert report.values["births"] == 3
    assert report.values["births_sex_1"] == 2
    assert report.values["births_order_2"] == 3
    assert report.values["marriages"] == 1
    assert report.values["migrants_out_new"] is None  # typed by hand: blank until typed
    assert report.due_date == datetime.date(2026, 11, 3)
    assert AuditEvent.objects.filter(action="reporting.open", object_id=str(report.pk)).exists()


@pytest.mark.django_db
def test_only_the_villages_own_officer_opens_its_report(areas, forms, month, staff):
    with pytest.raises(PermissionDenied):
        services.report_open(
            form=forms["village_month"], period=month, area=areas["village_a"], by=staff["village2"]
        )
    with pytest.raises(PermissionDenied):
        services.report_open(
            form=forms["village_month"], period=month, area=areas["village_a"], by=staff["auditor"]
        )


@pytest.mark.django_db
def test_a_report_cannot_be_submitted_with_items_left_blank(areas, forms, month, staff):
    report = services.report_open(
        form=forms["village_month"], period=month, area=areas["village_a"], by=staff["village"]
    )
    with pytest.raises(ValidationError, match="孕前优生健康检查目标人数"):
        services.report_submit(report=report, by=staff["village"])


@pytest.mark.django_db
def test_bad_figures_are_refused_naming_the_item_in_chinese(areas, forms, month, staff):
    report = services.report_open(
        form=forms["village_month"], period=month, area=areas["village_a"], by=staff["village"]
    )
    with pytest.raises(ValidationError) as error:
        services.report_save_values(
            report=report, values={"migrants_out_new": "三", "births": "-1"}, by=staff["village"]
        )
    messages = error.value.message_dict
    assert "新增流出人口数" in messages["migrants_out_new"][0]
    assert "births" in messages
    services.report_save_values(report=report, values={"migrants_out_new": "１２"}, by=staff["village"])
    report.refresh_from_db()
    assert report.values["migrants_out_new"] == 12


@pytest.mark.django_db
def test_a_submission_after_the_due_day_is_marked_late(areas, forms, month, staff):
    first = services.report_open(
        form=forms["village_month"], period=month, area=areas["village_a"], by=staff["village"]
    )
    second = services.report_open(
        form=forms["village_month"], period=month, area=areas["village_a2"], by=staff["village2"]
    )
    fill_and_submit(first, staff["village"], on_time(month))
    fill_and_submit(second, staff["village2"], datetime.datetime(2026, 11, 10, 3, tzinfo=datetime.UTC))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.late, second.late) == (False, True)


@pytest.mark.django_db
def test_the_township_returns_with_a_comment_and_approval_locks_the_report(areas, forms, month, staff):
    report = services.report_open(
        form=forms["village_month"], period=month, area=areas["village_a"], by=staff["village"]
    )
    fill_and_submit(report, staff["village"], on_time(month))
    with pytest.raises(PermissionDenied):
        services.report_approve(report=report, by=staff["village"])
    with pytest.raises(ValidationError):
        services.report_return(report=report, comment=" ", by=staff["clerk"])
    services.report_return(report=report, comment="宣传品数量请核对", by=staff["clerk"])
    assert report.status == Report.Status.RETURNED
    fill_and_submit(report, staff["village"], on_time(month))
    services.report_approve(report=report, by=staff["clerk"])
    assert report.is_locked
    with pytest.raises(PermissionDenied):
        services.report_save_values(report=report, values={"migrants_out_new": 3}, by=staff["village"])


@pytest.mark.django_db
def test_unlocking_needs_the_level_above_and_is_audited(areas, forms, month, staff):
    report = services.report_open(
        form=forms["village_month"], period=month, area=areas["village_a"], by=staff["village"]
    )
    fill_and_submit(report, staff["village"], on_time(month))
    services.report_approve(report=report, by=staff["clerk"])
    with pytest.raises(PermissionDenied):
        services.report_unlock(report=report, reason="更正", by=staff["village"])
    services.report_unlock(report=report, reason="出生数漏报一例", by=staff["clerk"])
    assert report.status == Report.Status.RETURNED
    event = AuditEvent.objects.get(action="reporting.unlock")
    assert event.reason == "出生数漏报一例"


@pytest.mark.django_db
def test_all_approved_village_reports_compile_into_the_township_report_and_up_to_the_county(
    areas, forms, month, staff, make_user
):
    births(areas["village_a"], datetime.date(2026, 10, 5), male=2, female=1)
    births(areas["village_a2"], datetime.date(2026, 10, 6), female=2)
    form = forms["village_month"]
    first = services.report_open(form=form, period=month, area=areas["village_a"], by=staff["village"])
    second = services.report_open(form=form, period=month, area=areas["village_a2"], by=staff["village2"])
    fill_and_submit(first, staff["village"], on_time(month))
    services.report_approve(report=first, by=staff["clerk"])
    with pytest.raises(ValidationError, match="李楼村"):
        services.report_compile(form=form, period=month, area=areas["township_a"], by=staff["clerk"])
    fill_and_submit(second, staff["village2"], on_time(month))
    services.report_approve(report=second, by=staff["clerk"])
    township = services.report_compile(form=form, period=month, area=areas["township_a"], by=staff["clerk"])
    assert township.values["births"] == 5
    assert township.values["migrants_out_new"] == 6
    fill_and_submit(township, staff["clerk"], on_time(month))
    services.report_approve(report=township, by=staff["county"])
    with pytest.raises(ValidationError):  # the village is now under an approved township report
        services.report_unlock(report=first, reason="x", by=staff["clerk"])
    # Township B has a village too: the county waits for it.
    with pytest.raises(ValidationError, match="射桥镇"):
        services.report_compile(form=form, period=month, area=areas["county"], by=staff["county"])


@pytest.mark.django_db
def test_a_compiled_township_report_counts_the_petitions_its_own_office_handled_beside_its_villages(
    areas, forms, month, staff
):
    from jisheng.petitions import services as petitions
    from jisheng.petitions.models import Matter

    resident = petitions.file_open(
        area=areas["township_a"], kind="person", name="王秀英", phone="13800138000", by=staff["clerk"]
    )
    for area in ("village_a", "township_a", "township_a"):
        petitions.matter_receive(
            file=resident,
            area=areas[area],
            kind="petition",
            channel="visit",
            field="benefits",
            title="独生子女父母奖励未发放",
            facts="2025年度奖励扶助金未到账，要求补发。",
            by=staff["clerk"],
        )
    Matter.objects.update(received_on=datetime.date(2026, 10, 12))
    form = forms["village_month"]
    for village, officer in (("village_a", "village"), ("village_a2", "village2")):
        report = services.report_open(form=form, period=month, area=areas[village], by=staff[officer])
        fill_and_submit(report, staff[officer], on_time(month))
        services.report_approve(report=report, by=staff["clerk"])

    township = services.report_compile(form=form, period=month, area=areas["township_a"], by=staff["clerk"])

    # One matter at a village (in its report) and two at the township's own office (in no village's).
    assert township.values["petitions_received"] == 3
    assert township.registry_values["petitions_received"] == 3
    assert township.values["births"] == 0
