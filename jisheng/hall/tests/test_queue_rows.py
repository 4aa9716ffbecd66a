"""The queue's rows are drawn in Python (issue 17): the same markup, every value escaped, the counts
always current although their statement is kept."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jisheng.hall.models import Application, ApplicationStatus

from .conftest import PHONE, make_person


def _submit(catalogue: Any, person: Any, by: Any) -> Application:
    from jisheng.hall import services

    return services.application_submit(
        item=catalogue["only-child-honour"], person=person, channel="counter", phone=PHONE, by=by
    )


def _row(page: str, number: str) -> str:
    return "<tr" + page.split(number)[0].rsplit("<tr", 1)[1] + page.split(number)[1].split("</tr>")[0]


def test_a_queue_row_escapes_the_applicants_name_and_shows_the_state_in_chinese(
    catalogue, areas, staff, client_for
) -> None:
    case = _submit(catalogue, make_person(areas["village_a"], name="王<b>红"), staff["clerk"])
    Application.objects.filter(pk=case.pk).update(due_on=timezone.localdate() - datetime.timedelta(days=1))
    page = client_for(staff["clerk"]).get("/hall/").content.decode()
    row = _row(page, case.number)
    assert "王&lt;b&gt;红" in row and "<b>" not in row
    assert f'href="/hall/cases/{case.pk}/"' in row
    assert 'class="overdue"' in row
    with translation.override("zh-hans"):
        assert f'<span class="badge bad">{_("overdue")}</span>' in row
        assert f'<span class="badge ">{ApplicationStatus.RECEIVED.label}</span>' in row
        assert _("overdue") != "overdue"


def test_the_queue_counts_follow_new_cases_and_each_clerks_scope(
    catalogue, areas, staff, make_user, client_for
) -> None:
    from jisheng.hall import queries

    clerk = staff["clerk"]
    sibling = make_user(areas["township_b"], "counter_clerk", username="sibling")
    assert queries.queue_counts(clerk)["open"] == 0
    _submit(catalogue, make_person(areas["village_a"]), clerk)
    assert queries.queue_counts(clerk)["open"] == 1
    assert queries.queue_counts(clerk)["mine"] == queries.queue_counts(clerk)["open"]
    _submit(catalogue, make_person(areas["village_a"], name="李秀英", id_number="41172319900101002X"), clerk)
    assert queries.queue_counts(clerk)["open"] == 2
    assert queries.queue_counts(sibling) == dict.fromkeys(queries.COUNT_NAMES, 0)
    assert queries.queue_counts(staff["clerk2"])["open"] == 2
    assert queries.queue_counts(staff["clerk2"])["mine"] == 0
    page = client_for(clerk).get("/hall/").content.decode()
    assert 'data-count="open">2<' in page


def test_the_pages_rows_are_the_work_queues_cases_in_its_order_for_each_clerk_and_filter(
    catalogue, areas, staff, make_user
) -> None:
    from jisheng.hall import queries, services

    clerk, other = staff["clerk"], staff["clerk2"]
    today = timezone.localdate()
    cases = []
    for n, (name, id_number) in enumerate(
        [("王红", "411723199203154526"), ("李秀英", "41172319900101002X"), ("赵敏", "411723198805050048")]
    ):
        case = services.application_submit(
            item=catalogue["migrant-marital-certificate"],
            person=make_person(areas["village_a"], name=name, id_number=id_number),
            channel="counter",
            phone=PHONE,
            by=clerk,
        )
        Application.objects.filter(pk=case.pk).update(due_on=today + datetime.timedelta(days=n - 1))
        cases.append(case)
    Application.objects.filter(pk=cases[2].pk).update(owner=other)
    services.notice_issue(application=cases[1], problems=[{"code": "photo", "problem": "缺少"}], by=clerk)
    sibling = make_user(areas["township_b"], "counter_clerk", username="sibling")

    def same(user: Any, **how: Any) -> list[str]:
        kwargs: dict[str, Any] = {"how": queries.QueueFilter(**how)} if how else {}
        for mine in (False, True):
            for limit in (1, 2, 100):
                rows = queries.queue_rows(user, mine=mine, limit=limit, **kwargs)
                model_cases = queries.work_queue(user, mine=mine, limit=limit, **kwargs)
                assert [(r.pk, r.number, r.status, r.due_on, str(r.owner)) for r in rows] == [
                    (c.pk, c.number, c.status, c.due_on, str(c.owner or "")) for c in model_cases
                ]
                assert [(r.overdue_now, r.due_today) for r in rows] == [
                    (c.overdue_now, c.due_today) for c in model_cases
                ]
        return [row.number for row in queries.queue_rows(user, **kwargs)]

    # In progress by deadline, then waiting for the applicant; the kept statement serves each clerk.
    assert same(clerk) == [cases[0].number, cases[2].number, cases[1].number]
    assert same(other) == same(clerk)
    assert [r.number for r in queries.queue_rows(other, mine=True)] == [cases[2].number]
    assert [r.number for r in queries.queue_rows(clerk, mine=True)] == [cases[0].number, cases[1].number]
    assert same(sibling) == []
    assert same(clerk, due="overdue") == [cases[0].number]
    assert same(clerk, status=ApplicationStatus.AWAITING_CORRECTION) == [cases[1].number]
    assert same(clerk, q="赵") == [cases[2].number]
    assert queries.queue_rows(clerk)[0].item.name == cases[0].item.name


def test_a_kept_row_shows_the_cases_change_the_next_day_and_the_other_language_at_the_next_view(
    catalogue, areas, staff, client_for, monkeypatch
) -> None:
    case = _submit(catalogue, make_person(areas["village_a"], name="王小红"), staff["clerk"])
    today = timezone.localdate()
    Application.objects.filter(pk=case.pk).update(due_on=today + datetime.timedelta(days=1))
    clerk = client_for(staff["clerk"])
    first = _row(clerk.get("/hall/").content.decode(), case.number)
    assert 'class=""' in first and "王小红" in first
    assert _row(clerk.get("/hall/").content.decode(), case.number) == first  # drawn from what was kept

    # The case changes: another responsible clerk, another deadline.
    staff["clerk"].__class__.objects.filter(pk=staff["clerk2"].pk).update(full_name="赵接手")
    Application.objects.filter(pk=case.pk).update(owner=staff["clerk2"], due_on=today)
    changed = _row(clerk.get("/hall/").content.decode(), case.number)
    assert "赵接手" in changed and 'class="due-today"' in changed and today.isoformat() in changed

    # Nothing in the row changes, but the day does: the deadline has passed.
    monkeypatch.setattr(timezone, "localdate", lambda *args: today + datetime.timedelta(days=1))
    assert 'class="overdue"' in _row(clerk.get("/hall/").content.decode(), case.number)

    clerk.post("/i18n/setlang/", {"language": "en", "next": "/hall/"})
    english = _row(clerk.get("/hall/").content.decode(), case.number)
    assert '<span class="badge bad">overdue</span>' in english
