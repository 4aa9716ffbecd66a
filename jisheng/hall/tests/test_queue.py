"""The clerk's queue is a work list: search, filters, deadlines highlighted, counts the home card shares,
and a partial correction that keeps the clock stopped."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jisheng.hall.models import Application, ApplicationStatus
from tests.factories import A_RESIDENT

from .conftest import PHONE, make_person, upload


def _submit(catalogue: Any, person: Any, by: Any, code: str = "only-child-honour", **kw: Any) -> Application:
    from jisheng.hall import services

    return services.application_submit(
        item=catalogue[code], person=person, channel="counter", phone=PHONE, by=by, **kw
    )


def _set_due(application: Application, due: datetime.date) -> None:
    Application.objects.filter(pk=application.pk).update(due_on=due)


def test_the_queue_searches_by_name_case_number_and_id_digits(catalogue, areas, staff, client_for) -> None:
    wang = _submit(catalogue, make_person(areas["village_a"]), staff["clerk"])
    li = _submit(
        catalogue,
        make_person(areas["village_a"], name="李秀英", id_number="41172319900101002X"),
        staff["clerk"],
    )
    clerk = client_for(staff["clerk"])

    def numbers(query: str) -> set[str]:
        page = clerk.get("/hall/", {"q": query}).content.decode()
        return {a.number for a in (wang, li) if a.number in page}

    assert numbers("秀英") == {li.number}
    assert numbers(wang.number[-8:]) == {wang.number}
    assert numbers("002x") == {li.number}
    assert numbers("4526") == {wang.number}


def test_the_queue_filters_by_item_state_and_deadline(catalogue, areas, staff, client_for) -> None:
    from jisheng.hall import services

    today = timezone.localdate()
    honour = _submit(catalogue, make_person(areas["village_a"]), staff["clerk"])
    late = _submit(
        catalogue,
        make_person(areas["village_a"], name="李秀英", id_number="41172319900101002X"),
        staff["clerk"],
        code="migrant-marital-certificate",
    )
    _set_due(late, today - datetime.timedelta(days=2))
    waiting = _submit(
        catalogue,
        make_person(areas["village_a"], name="赵敏", id_number="411723198805050048"),
        staff["clerk"],
        code="migrant-marital-certificate",
    )
    services.notice_issue(application=waiting, problems=[{"code": "photo"}], by=staff["clerk"])
    clerk = client_for(staff["clerk"])

    def shown(**params: str) -> set[str]:
        page = clerk.get("/hall/", params).content.decode()
        return {a.number for a in (honour, late, waiting) if a.number in page}

    assert shown(item="only-child-honour") == {honour.number}
    assert shown(status="awaiting_correction") == {waiting.number}
    assert shown(due="overdue") == {late.number}
    assert shown(due_by=today.isoformat()) == {late.number}
    assert shown(status="nonsense", due="whenever") == {honour.number, late.number, waiting.number}


def test_overdue_and_due_today_rows_are_highlighted_and_a_same_day_case_is_warned(
    catalogue, areas, staff, client_for
) -> None:
    today = timezone.localdate()
    same_day = _submit(catalogue, make_person(areas["village_a"]), staff["clerk"], code="birth-registration")
    assert same_day.due_on == same_day.accepted_on  # 0 working days at the counter
    late = _submit(
        catalogue,
        make_person(areas["village_a"], name="李秀英", id_number="41172319900101002X"),
        staff["clerk"],
    )
    _set_due(late, today - datetime.timedelta(days=1))
    page = client_for(staff["clerk"]).get("/hall/", {"item": "birth-registration"}).content.decode()
    row = page.split(same_day.number)[0].rsplit("<tr", 1)[1]
    if same_day.due_on == today:
        assert 'class="due-today"' in row
    assert "当场办结" in page.split(same_day.number)[1].split("</tr>")[0]
    page = client_for(staff["clerk"]).get("/hall/", {"due": "overdue"}).content.decode()
    assert 'class="overdue"' in page.split(late.number)[0].rsplit("<tr", 1)[1]
    case_page = client_for(staff["clerk"]).get(f"/hall/cases/{same_day.pk}/").content.decode()
    assert "当场办结" in case_page


def test_the_home_card_counts_are_the_queue_counts(catalogue, areas, staff, client_for) -> None:
    today = timezone.localdate()
    cases = [
        _submit(
            catalogue,
            make_person(areas["village_a"], name=f"王{n}", id_number=id_number),
            staff["clerk"],
        )
        for n, id_number in enumerate(["411723199203154526", "41172319900101002X", "411723198805050048"])
    ]
    _set_due(cases[0], today - datetime.timedelta(days=3))
    _set_due(cases[1], today)
    clerk = client_for(staff["clerk"])
    queue = clerk.get("/hall/").context["counts"]
    assert (queue["mine"], queue["mine_overdue"], queue["mine_due_today"]) == (3, 1, 1)
    home = clerk.get(reverse("home"))
    card = next(c for c in home.context["cards"] if c["url"] == "/hall/")
    assert card["value"] == queue["mine"] == 3
    assert str(card["note"]) == "1 件今日到期，1 件已超期"
    assert "我的在办案件" in home.content.decode()


def test_the_queue_page_runs_a_fixed_number_of_queries_however_many_cases(
    catalogue, areas, staff, client_for
) -> None:
    from jisheng.hall import services

    clerk = client_for(staff["clerk"])
    person = make_person(areas["village_a"])

    def queries_of_the_page() -> int:
        with CaptureQueriesContext(connection) as context:
            assert clerk.get("/hall/", {"q": "王"}).status_code == 200
        return len(context.captured_queries)

    for code in ("only-child-honour", "birth-registration", "migrant-marital-certificate"):
        _submit(catalogue, person, staff["clerk"], code=code)
    few = queries_of_the_page()
    from stdnum.cn import ric

    for n in range(60):  # one open case per person and item: sixty residents
        body = f"41172319920315{n:03d}"
        someone = make_person(areas["village_a"], name=f"王{n}", id_number=body + ric.calc_check_digit(body))
        services.application_submit(
            item=catalogue["only-child-honour"], person=someone, channel="online", phone=PHONE, by=A_RESIDENT
        )
    many = queries_of_the_page()
    # Session, user, roles, navigation, the counts (one aggregate), the items, and at most two queries
    # for each list (one per status); full lists skip their second query, so many cases cost no more.
    assert many <= few <= 13


def test_a_partial_correction_keeps_the_clock_stopped_and_the_rest_open(catalogue, resident, staff) -> None:
    from jisheng.hall import services
    from jisheng.hall.services.intake import outstanding_materials

    application = _submit(catalogue, resident, staff["clerk"], code="migrant-marital-certificate")
    services.notice_issue(
        application=application,
        problems=[
            {"code": "photo", "problem": "缺少"},
            {"code": "marriage-certificate", "problem": "不清晰"},
        ],
        by=staff["clerk"],
    )
    services.application_resubmit(application=application, received_materials=["photo"], by=staff["clerk"])
    application.refresh_from_db()
    assert application.status == ApplicationStatus.AWAITING_CORRECTION
    assert application.due_on is None
    assert [p["code"] for p in outstanding_materials(application)] == ["marriage-certificate"]
    assert application.notices.get().answered_at is None
    assert "仍缺：结婚证" in application.events.last().text

    services.application_resubmit(
        application=application, uploads=[upload("marriage-certificate")], by=staff["clerk"]
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RECEIVED and application.due_on is not None
    assert application.notices.get().answered_at is not None


def test_the_case_page_offers_only_the_still_missing_items_after_a_partial_correction(
    catalogue, resident, staff, client_for
) -> None:
    from jisheng.hall import services

    application = _submit(catalogue, resident, staff["clerk"], code="migrant-marital-certificate")
    services.notice_issue(
        application=application,
        problems=[{"code": "photo"}, {"code": "marriage-certificate"}],
        by=staff["clerk"],
    )
    clerk = client_for(staff["clerk"])
    clerk.post(f"/hall/cases/{application.pk}/resubmit", {"received": ["photo"]})
    page = clerk.get(f"/hall/cases/{application.pk}/").content.decode()
    form = page.split("/resubmit")[1].split("</form>")[0]
    assert 'value="marriage-certificate"' in form and 'value="photo"' not in form
