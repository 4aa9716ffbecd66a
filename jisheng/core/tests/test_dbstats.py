"""Planner statistics come back after a migration rebuilt a table (SQLite)."""

import pytest
from django.db import connection

from jisheng.core.dbstats import analyze_tables_without_statistics

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite keeps statistics by ANALYZE")


@pytest.mark.django_db
def test_a_populated_table_without_statistics_is_analyzed_and_an_empty_one_is_left(areas):
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'areas_area'")
    analyzed = analyze_tables_without_statistics()
    assert "areas_area" in analyzed
    assert "registry_person" not in analyzed  # empty in this test
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'areas_area'")
        assert cursor.fetchone()[0] > 0
    assert analyze_tables_without_statistics() == []
