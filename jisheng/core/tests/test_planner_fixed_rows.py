"""A read kept with all its values gives what the plain read gives, whatever its values hold (quotes, a
percent sign, a date), and on PostgreSQL is prepared once a connection with the values in its text."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection

from jisheng.core.planner import fixed_rows

pytestmark = pytest.mark.django_db

SQL = "SELECT %s, %s, %s, CAST(%s AS date) + 1"
AWKWARD: list[Any] = ["O'Brien; DROP TABLE x --", "100%s", 7, datetime.date(2026, 12, 31)]


def _plain() -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(SQL, AWKWARD)
        return cursor.fetchall()


def test_a_fixed_read_gives_what_the_plain_read_gives_with_awkward_values() -> None:
    expected = _plain()
    assert fixed_rows(connection, SQL, AWKWARD) == expected
    assert fixed_rows(connection, SQL, AWKWARD) == expected  # the second run, from the kept text
    assert expected[0][0] == "O'Brien; DROP TABLE x --" and expected[0][1] == "100%s"


def test_on_postgresql_the_fixed_read_is_prepared_once_with_its_values_in_its_text() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's prepared statements")
    for _ in range(3):
        fixed_rows(connection, SQL, AWKWARD)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, parameter_types FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%O''Brien%"],
        )
        prepared = cursor.fetchall()
    assert len(prepared) == 1
    statement, parameter_types = prepared[0]
    assert "100%s" in statement and "2026-12-31" in statement
    assert list(parameter_types) == []  # planned for its own values, not for parameters
