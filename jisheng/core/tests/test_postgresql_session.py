"""Settings every PostgreSQL connection of Jisheng's carries."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own settings")


@pytest.mark.django_db
def test_the_jit_compiler_is_off_for_every_connection():
    # With thirty counties' partitions the JIT spent longer compiling the month report than running it.
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
def test_a_statement_is_prepared_on_the_server_when_the_code_asks_for_it():
    import psycopg

    connection.ensure_connection()
    # A server-binding cursor that asks for preparation gets it: the connection allows it.
    with psycopg.Cursor(connection.connection) as cursor:
        for _ in range(3):
            cursor.execute("SELECT %s::int + 1 AS asked_for", [41], prepare=True)
            assert cursor.fetchone()[0] == 42
    assert [text for text in _prepared_statements() if "asked_for" in text] == [
        "SELECT $1::int + 1 AS asked_for"
    ]


@pytest.mark.django_db
def test_the_statements_django_runs_are_never_prepared_however_often_they_run():
    from django.contrib.auth.models import Group

    for _ in range(20):
        list(Group.objects.filter(name="never prepared"))
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s::text AS not_asked", ["x"])
    assert not [text for text in _prepared_statements() if "never prepared" in text or "not_asked" in text]
