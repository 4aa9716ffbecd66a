"""On PostgreSQL, cases of one village and clerk change at once without waiting for each other at the
queue's tallies, and the tallies still equal the cases: twenty notices at once, then the hourly tidy."""

from __future__ import annotations

import datetime
import io
import threading
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction

from jisheng.hall import services, tallies
from jisheng.hall.models import Application, ApplicationStatus, CaseDeadlineTally, CaseTally, Channel
from jisheng.hall.queries import queue_counts
from tests import factories

from .conftest import PHONE
from .tally_counts import counted_by_deadline, counted_by_status


@pytest.fixture(autouse=True)
def postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's test database is in memory: one connection, nothing runs at once")


def _cases(catalogue: Any, areas: Any, clerk: Any, how_many: int) -> list[Application]:
    """``how_many`` cases of one village, taken on by one clerk: they share their tally rows."""
    cases = []
    for number in range(how_many):
        person = factories.make_person(
            area=areas["village_a"],
            name=f"王秀{number}",
            sex="2",
            birth=datetime.date(1990, 1, 1) + datetime.timedelta(days=number),
            residence=False,
        )
        cases.append(
            services.application_submit(
                item=catalogue["birth-registration"],
                person=person,
                channel=Channel.COUNTER,
                phone=PHONE,
                by=clerk,
            )
        )
    return cases


def _summed(model: Any, key: tuple[str, ...]) -> dict[tuple[Any, ...], int]:
    """The tally's count of each key: the sum of its slots."""
    sums: dict[tuple[Any, ...], int] = {}
    for row in model.objects.all():
        point = tuple(getattr(row, name) for name in key)
        sums[point] = sums.get(point, 0) + row.cases
    return {point: n for point, n in sums.items() if n}


def _tallies_equal_the_cases() -> bool:
    status = _summed(CaseTally, ("area_code", "owner_key", "status"))
    deadlines = _summed(CaseDeadlineTally, ("area_code", "owner_key", "due_on"))
    return status == counted_by_status() and deadlines == counted_by_deadline()


def _all_at_once(jobs: list[Any]) -> list[BaseException]:
    """Run each job in a thread of its own, all started together; what they raised."""
    start = threading.Barrier(len(jobs))
    failures: list[BaseException] = []

    def run(job: Any) -> None:
        try:
            start.wait()
            job()
        except BaseException as error:  # noqa: BLE001 - returned to the test, which asserts on it
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def _notice(case: Application, clerk: Any) -> Any:
    return lambda: services.notice_issue(application=case, problems=[{"code": "id-cards"}], by=clerk)


@pytest.mark.django_db(transaction=True)
def test_a_case_changed_while_another_of_its_village_and_clerk_is_uncommitted_does_not_wait(
    areas: Any, catalogue: Any, staff: Any
) -> None:
    first, second = _cases(catalogue, areas, staff["clerk"], 2)
    holding, done = threading.Event(), threading.Event()

    def hold_a_change() -> None:
        # A change typed by hand, not committed: its triggers hold a row of each tally.
        try:
            with transaction.atomic():
                Application.objects.filter(pk=first.pk).update(status=ApplicationStatus.AWAITING_CORRECTION)
                holding.set()
                done.wait(10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_a_change)
    holder.start()
    try:
        assert holding.wait(10)
        with transaction.atomic():
            with connection.cursor() as cursor:
                # Waiting for the first change's rows would fail here instead of hanging the test.
                cursor.execute("SET LOCAL lock_timeout = '1s'")
            services.notice_issue(application=second, problems=[{"code": "id-cards"}], by=staff["clerk"])
    finally:
        done.set()
        holder.join()

    assert _tallies_equal_the_cases()
    assert queue_counts(staff["clerk"])["awaiting"] == 2
    # The second change found the key's row held and wrote a slot of its own.
    assert CaseTally.objects.filter(status=ApplicationStatus.AWAITING_CORRECTION).count() == 2


@pytest.mark.django_db(transaction=True)
def test_twenty_notices_at_once_leave_the_tallies_equal_to_the_cases_and_the_tidy_folds_their_slots(
    areas: Any, catalogue: Any, staff: Any
) -> None:
    cases = _cases(catalogue, areas, staff["clerk"], 20)

    failures = _all_at_once([_notice(case, staff["clerk"]) for case in cases])

    assert failures == []
    assert _tallies_equal_the_cases()
    figures = queue_counts(staff["clerk"])
    assert (figures["open"], figures["awaiting"], figures["mine"]) == (20, 20, 20)

    call_command("hall-tally-tidy", stdout=io.StringIO())

    assert _tallies_equal_the_cases()
    assert not CaseTally.objects.exclude(slot=0).exists()
    assert not CaseDeadlineTally.objects.exclude(slot=0).exists()
    assert not CaseDeadlineTally.objects.filter(cases=0).exists()
    # One row a key once folded: the village's clerk's waiting cases, and the received ones (now none).
    assert CaseTally.objects.filter(status=ApplicationStatus.AWAITING_CORRECTION).get().cases == 20


@pytest.mark.django_db(transaction=True)
def test_the_tidy_running_while_cases_change_neither_waits_them_out_nor_loses_a_case(
    areas: Any, catalogue: Any, staff: Any
) -> None:
    cases = _cases(catalogue, areas, staff["clerk"], 12)

    def tidy() -> None:
        for _ in range(5):
            with transaction.atomic():
                tallies.tidy(connection)

    failures = _all_at_once([_notice(case, staff["clerk"]) for case in cases] + [tidy, tidy])

    assert failures == []
    assert _tallies_equal_the_cases()
    assert queue_counts(staff["clerk"])["awaiting"] == 12
