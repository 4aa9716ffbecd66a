"""The clerk's queue reads its rows and counts from indexes, in deadline order, whatever SQLite knows.

At 100,000 open cases the planner without statistics (right after a bulk load) took an index led by the
area and sorted every open case; with ANALYZE statistics it guessed the same. The rows must come from
the (status, due_on, area) and (owner, status, due_on, area) indexes without a sort, and the seven
counts from the tallies the database keeps, without reading the cases at all (issue 17).
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jisheng.hall import queries
from jisheng.hall.models import Application

from .conftest import make_person
from .test_queue import _set_due, _submit

# What ANALYZE wrote on the benchmark's database: 100,000 open cases, all of one village and one clerk.
BULK_LOADED_STATISTICS = {
    "hall_applic_area_id_a8abe9_idx": "100000 100000 100000",
    "hall_case_status_queue": "100000 100000 3334 3334",
    "hall_case_owner_queue": "100000 100000 100000 3334 3334",
    "hall_applic_office__5b07af_idx": "100000 100000 100000 3334",
    "hall_application_area_id_96db8c6f": "100000 100000",
    "hall_application_owner_id_865e944b": "100000 100000",
    "hall_application_item_id_1692d8bb": "100000 100000",
    "sqlite_autoindex_hall_application_1": "100000 1",
}

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner")


def _statistics(kind: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            cursor.execute("ANALYZE")
        cursor.execute("DELETE FROM sqlite_stat1")
        if kind == "analyzed":
            for index, stat in BULK_LOADED_STATISTICS.items():
                cursor.execute(
                    "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('hall_application', %s, %s)",
                    [index, stat],
                )
        cursor.execute("ANALYZE sqlite_schema")  # the planner reloads what sqlite_stat1 now holds


def _plans(read: Any) -> list[tuple[str, list[str]]]:
    with CaptureQueriesContext(connection) as context:
        read()
    plans = []
    for query in context.captured_queries:
        if "hall_application" not in query["sql"]:
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
            plans.append((query["sql"], [row[-1] for row in cursor.fetchall()]))
    assert plans
    return plans


@pytest.mark.parametrize("kind", ["bulk-loaded, no statistics", "analyzed"])
def test_the_queue_rows_and_counts_come_from_the_indexes_without_a_sort(
    kind, catalogue, areas, staff
) -> None:
    today = datetime.date.today()
    late = _submit(catalogue, make_person(areas["village_a"]), staff["clerk"])
    _set_due(late, today - datetime.timedelta(days=2))
    _submit(
        catalogue,
        make_person(areas["village_a"], name="李秀英", id_number="41172319900101002X"),
        staff["clerk"],
        code="birth-registration",
    )
    _statistics(kind)
    clerk = staff["clerk"]
    with CaptureQueriesContext(connection) as context:
        queries.queue_counts(clerk)
    (counting,) = context.captured_queries
    assert "hall_application" not in counting["sql"]
    assert "hall_casetally" in counting["sql"] and "hall_casedeadlinetally" in counting["sql"]
    reads = {
        "office": lambda: queries.work_queue(clerk),
        "mine": lambda: queries.work_queue(clerk, mine=True),
        "page's office rows": lambda: queries.queue_rows(clerk),
        "page's own rows": lambda: queries.queue_rows(clerk, mine=True),
    }
    for name, read in reads.items():
        for sql, plan in _plans(read):
            text = "\n".join(plan)
            assert "USE TEMP B-TREE FOR ORDER BY" not in text, (name, text)
            assert not any(line.startswith("SCAN hall_application") for line in plan), (name, text)
            steps = [line for line in plan if "hall_application" in line]
            assert steps and all(
                "hall_case_status_queue" in line or "hall_case_owner_queue" in line for line in steps
            ), (name, text)
            # The scope is still applied: only the index choice changed.
            assert '+"hall_application"."area_id" BETWEEN' in sql, sql


def test_the_counts_are_one_statement_and_counts_and_rows_keep_to_the_users_area(
    catalogue, areas, staff, make_user
) -> None:
    today = datetime.date.today()
    late = _submit(catalogue, make_person(areas["village_a"]), staff["clerk"])
    _set_due(late, today - datetime.timedelta(days=2))
    due = _submit(
        catalogue,
        make_person(areas["village_a"], name="李秀英", id_number="41172319900101002X"),
        staff["clerk2"],
        code="birth-registration",
    )
    _set_due(due, today)
    sibling = make_user(areas["township_b"], "counter_clerk", username="clerk-b")
    theirs = _submit(
        catalogue, make_person(areas["village_b"], name="赵敏", id_number="411723198805050048"), sibling
    )
    with CaptureQueriesContext(connection) as context:
        counts = queries.queue_counts(staff["clerk"], today=today)
    assert len(context.captured_queries) == 1
    mine = Application.objects.filter(owner=staff["clerk"]).count()
    assert counts == {
        "open": 2,
        "overdue": 1,
        "due_today": 1,
        "awaiting": 0,
        "mine": mine,
        "mine_overdue": 1 if late.owner_id == staff["clerk"].pk else 0,
        "mine_due_today": 1 if due.owner_id == staff["clerk"].pk else 0,
    }
    assert queries.queue_counts(sibling, today=today)["open"] == 1
    # The rows keep the scope as well: each township's clerk sees only its own cases.
    assert [case.number for case in queries.work_queue(sibling)] == [theirs.number]
    assert {case.number for case in queries.work_queue(staff["clerk"])} == {late.number, due.number}
    assert [row.number for row in queries.queue_rows(sibling)] == [theirs.number]
    assert {row.number for row in queries.queue_rows(staff["clerk"])} == {late.number, due.number}
