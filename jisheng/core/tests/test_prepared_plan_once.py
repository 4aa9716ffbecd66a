"""On PostgreSQL a statement Jisheng prepares is planned once a connection, without its values, however
many times it runs: the planning it was prepared to save is not done again at each run."""

from __future__ import annotations

import pytest
from django.db import connection

from jisheng.core.planner import preparing_cursor

pytestmark = pytest.mark.django_db

SQL = "SELECT COUNT(*) FROM django_content_type WHERE app_label = %s AND id > %s"


def test_a_prepared_read_runs_from_one_generic_plan() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's prepared statements")
    for number in range(12):
        with preparing_cursor(connection) as cursor:
            cursor.execute(SQL, ["hall" if number % 2 else "registry", number])
            cursor.fetchall()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%django_content_type WHERE app_label%"],
        )
        plans = cursor.fetchall()
    assert plans == [(12, 0)]
