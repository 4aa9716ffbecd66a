"""The planner hint for batched id look-ups holds inside its block only, on success and on an error;
a prepared read runs from the server's plan and is logged like any other."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.test.utils import CaptureQueriesContext

from jisheng.core.planner import index_lookups_preferred, preparing_cursor

pytestmark = pytest.mark.django_db


def _seqscan(cursor: CursorWrapper) -> str:
    cursor.execute("SELECT current_setting('enable_seqscan')")
    return str(cursor.fetchone()[0])


def test_sequential_scans_are_off_inside_the_block_and_back_after_it() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL setting")
    with connection.cursor() as cursor:
        assert _seqscan(cursor) == "on"
        with index_lookups_preferred(cursor):
            assert _seqscan(cursor) == "off"
        assert _seqscan(cursor) == "on"


def test_an_error_inside_the_block_leaves_no_later_statement_planned_under_the_hint() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL setting")
    with transaction.atomic(), connection.cursor() as cursor:
        with pytest.raises(ZeroDivisionError), index_lookups_preferred(cursor):
            assert _seqscan(cursor) == "off"
            raise ZeroDivisionError
        # The same outer transaction goes on, planned as before.
        assert _seqscan(cursor) == "on"


def test_on_sqlite_the_block_runs_its_statements_and_sets_nothing() -> None:
    with connection.cursor() as cursor, index_lookups_preferred(cursor):
        cursor.execute("SELECT 1")
        assert cursor.fetchone()[0] == 1


def test_a_prepared_read_gives_the_rows_of_each_value_and_is_logged_with_its_values() -> None:
    with CaptureQueriesContext(connection) as captured:
        for value in (1, 2, 3, 4, 5, 6, 7):
            with preparing_cursor(connection) as cursor:
                cursor.execute("SELECT %s + 1", [value])
                assert cursor.fetchone()[0] == value + 1
    assert captured.captured_queries[-1]["sql"].replace("::integer", "").startswith("SELECT 7 + 1")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT generic_plans + custom_plans FROM pg_prepared_statements WHERE statement = 'SELECT $1 + 1'"
            )
            assert [row[0] for row in cursor.fetchall()] == [7]
