"""The queue's tally of cases per village, clerk and status stays equal to the cases themselves, whatever
changes them: the services, an UPDATE or DELETE written by hand, a bulk INSERT; and the queue's figures
read it."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection

from jisheng.hall import services, tallies
from jisheng.hall.models import Application, ApplicationStatus, CaseDeadlineTally, CaseTally, Channel
from jisheng.hall.queries import queue_counts

from .conftest import PHONE, make_person
from .tally_counts import counted_by_deadline, counted_by_status


def _tally() -> dict[tuple[str, int, str], int]:
    return {
        (row.area_code, row.owner_key, row.status): row.cases
        for row in CaseTally.objects.all()
        if row.cases != 0
    }


def _submit(catalogue: Any, person: Any, by: Any, code: str = "birth-registration") -> Application:
    return services.application_submit(
        item=catalogue[code], person=person, channel=Channel.COUNTER, phone=PHONE, by=by
    )


def test_the_tally_equals_the_cases_after_services_hand_edits_and_a_bulk_insert(areas, catalogue, staff):
    village_a, village_b = areas["village_a"], areas["village_a2"]
    first = _submit(catalogue, make_person(village_a), staff["clerk"])
    second = _submit(
        catalogue, make_person(village_a, name="李秀英", id_number="41172319900101002X"), staff["clerk"]
    )
    third = _submit(
        catalogue, make_person(village_b, name="赵敏", id_number="411723198805060024"), staff["clerk"]
    )
    assert _tally() == counted_by_status() and sum(_tally().values()) == 3

    services.application_handover(
        application=second, to_user=staff["clerk2"], reason="休假", by=staff["clerk"]
    )
    services.application_refuse(application=first, reason="材料不全", rule="第三条", by=staff["clerk"])
    assert _tally() == counted_by_status()

    Application.objects.filter(pk=third.pk).update(area=village_a)  # a correction made by hand
    Application.objects.filter(pk=second.pk).update(status=ApplicationStatus.AWAITING_CORRECTION)
    with connection.cursor() as cursor:
        columns = [
            str(field.column)
            for field in Application._meta.concrete_fields
            if field.column not in ("id", "number")
        ]
        listed = ", ".join(columns)
        cursor.execute(
            f"INSERT INTO hall_application (number, {listed}) "
            f"SELECT number || '-copy', {listed} FROM hall_application WHERE id = %s",
            [first.pk],
        )
    Application.objects.filter(pk=first.pk).delete()  # the copy, a closed case, stays

    assert _tally() == counted_by_status()
    assert sum(_tally().values()) == Application.objects.count() == 3


def test_the_queues_figures_come_from_the_tally_and_agree_with_a_direct_count(areas, catalogue, staff):
    clerk, clerk2 = staff["clerk"], staff["clerk2"]
    cases = [
        _submit(catalogue, make_person(areas["village_a"], name=f"王{n}", id_number=number), clerk)
        for n, number in enumerate(("411723199203154526", "41172319900101002X", "411723198805060024"))
    ]
    services.application_handover(application=cases[0], to_user=clerk2, reason="休假", by=clerk)
    Application.objects.filter(pk=cases[1].pk).update(status=ApplicationStatus.AWAITING_CORRECTION)
    open_cases = Application.objects.filter(
        status__in=(ApplicationStatus.RECEIVED, ApplicationStatus.AWAITING_CORRECTION)
    )

    for user in (clerk, clerk2):
        figures = queue_counts(user)
        assert figures["open"] == open_cases.count() == 3
        assert figures["awaiting"] == 1
        assert figures["mine"] == open_cases.filter(owner=user).count()

    # The tally is what the figures read: a tally row changed by hand changes them.
    CaseTally.objects.filter(owner_key=clerk2.pk).update(cases=40)
    assert queue_counts(clerk2)["mine"] == 40


def test_a_recount_rebuilds_a_damaged_tally(areas, catalogue, staff):
    _submit(catalogue, make_person(areas["village_a"]), staff["clerk"])
    CaseTally.objects.all().delete()
    assert _tally() == {}

    tallies.recount(connection)

    assert _tally() == counted_by_status() != {}


def test_migrate_puts_back_triggers_a_table_rebuild_dropped_and_recounts(areas, catalogue, staff):
    from django.core.management import call_command

    _submit(catalogue, make_person(areas["village_a"]), staff["clerk"])
    tallies.remove(connection)  # what SQLite's rebuild of the table does to its triggers
    CaseTally.objects.all().delete()

    call_command("migrate", verbosity=0)
    _submit(
        catalogue,
        make_person(areas["village_a"], name="李秀英", id_number="41172319900101002X"),
        staff["clerk"],
    )

    assert _tally() == counted_by_status() and sum(_tally().values()) == 2


def _deadlines() -> dict[tuple[str, int, Any], int]:
    rows = CaseDeadlineTally.objects.all()
    assert all(row.cases > 0 for row in rows)  # a row that falls to zero is deleted
    return {(row.area_code, row.owner_key, row.due_on): row.cases for row in rows}


def test_the_deadline_tally_follows_deadlines_clerks_and_states_however_they_change(areas, catalogue, staff):
    assert tallies.RECEIVED == ApplicationStatus.RECEIVED
    village_a, village_b = areas["village_a"], areas["village_a2"]
    first = _submit(catalogue, make_person(village_a), staff["clerk"])
    second = _submit(
        catalogue, make_person(village_a, name="李秀英", id_number="41172319900101002X"), staff["clerk"]
    )
    third = _submit(
        catalogue, make_person(village_b, name="赵敏", id_number="411723198805060024"), staff["clerk"]
    )
    assert _deadlines() == counted_by_deadline() and sum(_deadlines().values()) == 3

    today = datetime.date.today()
    Application.objects.filter(pk=first.pk).update(due_on=today - datetime.timedelta(days=3))
    Application.objects.filter(pk=second.pk).update(due_on=today)
    assert _deadlines() == counted_by_deadline()
    services.application_handover(
        application=second, to_user=staff["clerk2"], reason="休假", by=staff["clerk"]
    )
    services.notice_issue(application=third, problems=[{"code": "id-cards"}], by=staff["clerk"])
    assert _deadlines() == counted_by_deadline()
    services.application_refuse(application=first, reason="材料不全", rule="第三条", by=staff["clerk"])
    Application.objects.filter(pk=third.pk).update(status=ApplicationStatus.RECEIVED, due_on=None)
    Application.objects.filter(pk=third.pk).update(due_on=today, area=village_a)
    with connection.cursor() as cursor:
        columns = [
            str(field.column)
            for field in Application._meta.concrete_fields
            if field.column not in ("id", "number")
        ]
        listed = ", ".join(columns)
        cursor.execute(
            f"INSERT INTO hall_application (number, {listed}) "
            f"SELECT number || '-copy', {listed} FROM hall_application WHERE id = %s",
            [first.pk],
        )
    copy = Application.objects.get(number=first.number + "-copy")
    Application.objects.filter(pk=copy.pk).update(status=ApplicationStatus.RECEIVED, due_on=today)
    Application.objects.filter(pk=second.pk).delete()
    assert _deadlines() == counted_by_deadline()
    assert sum(_deadlines().values()) == 2

    for user in (staff["clerk"], staff["clerk2"]):
        figures = queue_counts(user, today=today)
        received = Application.objects.filter(status=ApplicationStatus.RECEIVED)
        assert figures["overdue"] == received.filter(due_on__lt=today).count()
        assert figures["due_today"] == received.filter(due_on=today).count() == 2
        assert figures["mine_due_today"] == received.filter(due_on=today, owner=user).count()
        assert figures["mine_overdue"] == received.filter(due_on__lt=today, owner=user).count()

    CaseDeadlineTally.objects.all().delete()
    tallies.recount(connection)
    assert _deadlines() == counted_by_deadline() != {}
