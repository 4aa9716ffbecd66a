"""Keeping SQLite's planner statistics present after migrations.

SQLite plans from ``sqlite_stat1``, which only ANALYZE writes. A migration that rebuilds a table
(SQLite alters columns by copying the table) drops that table's statistics, and without them the
planner guesses: on a million persons it answered an ID look-up from the wrong index and took 50
times longer. PostgreSQL's autovacuum keeps its own statistics, so this is SQLite only.
"""

from __future__ import annotations

from typing import Any

from django.db import connections


def analyze_tables_without_statistics(*, using: str = "default", **_kwargs: Any) -> list[str]:
    """ANALYZE each non-empty table that has an index but no statistics; return their names."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")
        has_stat_table = cursor.fetchone() is not None
        described: set[str] = set()
        if has_stat_table:
            cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
            described = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'index' AND tbl_name NOT LIKE 'sqlite_%'"
        )
        indexed = sorted({row[0] for row in cursor.fetchall()} - described)
        analyzed = []
        for table in indexed:
            cursor.execute(f'SELECT 1 FROM "{table}" LIMIT 1')
            if cursor.fetchone() is None:
                continue  # an empty table has nothing to describe; ANALYZE would record nothing
            cursor.execute(f'ANALYZE "{table}"')
            analyzed.append(table)
    return analyzed
