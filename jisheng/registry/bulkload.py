"""Loading millions of generated rows: COPY on PostgreSQL, executemany on SQLite, ids assigned here.

Only the demo generator uses this (its rows are synthetic and written by the system, audited as one
event); every other write goes through services or the import writer.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.db import connection, models


def next_ids(model: type[models.Model]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {model._meta.db_table}")
        return int(cursor.fetchone()[0])


def columns_of(model: type[models.Model]) -> list[str]:
    return [field.column for field in model._meta.concrete_fields]


def insert_rows(model: type[models.Model], rows: Sequence[Sequence[Any]]) -> None:
    """Insert tuples given in the model's concrete-field column order (id included)."""
    if not rows:
        return
    table = model._meta.db_table
    columns = columns_of(model)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", rows)


def reset_sequences(*models_: type[models.Model]) -> None:
    """After explicit ids, PostgreSQL's sequences must move past them (SQLite needs nothing)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models_:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )


def now() -> datetime.datetime:
    from django.utils import timezone

    return timezone.now()
