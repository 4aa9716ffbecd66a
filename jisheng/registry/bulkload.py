"""Loading millions of generated rows: COPY on PostgreSQL, executemany on SQLite, ids assigned here.

Only the demo generator uses this (its rows are synthetic and written by the system, audited as one
event); every other write goes through services or the import writer.
"""

from __future__ import annotations

import datetime
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, models

from jisheng.core.planner import index_lookups_preferred

SQLITE_MAX_PARAMETERS = 32766  # SQLITE_MAX_VARIABLE_NUMBER since SQLite 3.32


def next_ids(model: type[models.Model]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {model._meta.db_table}")
        return int(cursor.fetchone()[0])


def reserve_ids(model: type[models.Model], count: int) -> int:
    """The first of ``count`` consecutive new ids, inside the caller's transaction.

    PostgreSQL: the sequence is advanced by ``count`` under an advisory lock, so concurrent imports
    never share ids. SQLite: the writer holds the database lock, so MAX(id) + 1 is safe.
    """
    if count == 0:
        return 0
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [table])
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"GREATEST(nextval(pg_get_serial_sequence('{table}', 'id')), "
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table})) + %s - 1)",
                [count],
            )
            last = int(cursor.fetchone()[0])
            return last - count + 1
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
        return int(cursor.fetchone()[0])


def _county_fields(model: type[models.Model]) -> list[Any]:
    from jisheng.core.partitions import CountyCodeField

    return [field for field in model._meta.concrete_fields if isinstance(field, CountyCodeField)]


def columns_of(model: type[models.Model]) -> list[str]:
    """The columns a caller's rows give: every concrete field but the derived county codes."""
    derived = set(_county_fields(model))
    return [str(field.column) for field in model._meta.concrete_fields if field not in derived]


def _with_county_codes(model: type[models.Model], rows: Sequence[Sequence[Any]]) -> tuple[list[str], Any]:
    """The columns and rows with each county code (the partition key on PostgreSQL) appended, derived
    from its area column as the model field derives it on save: callers never compute it."""
    columns = columns_of(model)
    derived = _county_fields(model)
    if not derived:
        return columns, rows
    sources = [
        columns.index(str(getattr(model._meta.get_field(field.source), "column", ""))) for field in derived
    ]
    if (
        len(sources) == 1
    ):  # every partitioned table has one county (a generator per row cost 4 % of an import)
        [source] = sources
        extended = [(*row, (row[source] or "")[:6]) for row in rows]
    else:
        extended = [(*row, *((row[i] or "")[:6] for i in sources)) for row in rows]
    return [*columns, *(str(field.column) for field in derived)], extended


def insert_rows(model: type[models.Model], rows: Sequence[Sequence[Any]]) -> None:
    """Insert tuples given in the model's concrete-field column order (id included; county codes
    left out, they are derived here)."""
    if not rows:
        return
    table = model._meta.db_table
    columns, rows = _with_county_codes(model, rows)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            # Many rows per statement rather than executemany: as fast alone, and SQLite then works
            # through a whole chunk with the interpreter lock released, instead of handing it back
            # and forth once a row with the import's checking thread.
            # The statement is written with SQLite's own "?" and handed to the driver's cursor
            # directly: Django's cursor rewrites every "%s" with a regular expression first, which
            # for 30,000 placeholders a statement cost about 0.35 s of interpreter time per 100,000 rows.
            per_statement = max(1, SQLITE_MAX_PARAMETERS // len(columns))
            one_row = "(" + ", ".join(["?"] * len(columns)) + ")"
            head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
            driver_cursor = cursor.cursor
            for start in range(0, len(rows), per_statement):
                chunk = rows[start : start + per_statement]
                sqlite3.Cursor.execute(
                    driver_cursor,
                    head + ", ".join([one_row] * len(chunk)),
                    [value for row in chunk for value in row],
                )


def update_rows(
    model: type[models.Model], instances: Sequence[models.Model], fields: Sequence[str], county: str
) -> None:
    """Write ``fields`` of these instances of one county back in a few statements, as their ``save()``
    would have, without its signals (the caller writes the history and the audit event).

    PostgreSQL: ``UPDATE … FROM (VALUES …)`` a thousand rows at a time, the county named so only its
    partition is planned and read (``county`` empty: every county). Django's ``bulk_update`` builds a
    ``CASE`` with a branch a row, which cost more to build and to run than one ``save()`` a row.
    SQLite: one short statement a row, which SQLite runs without planning anything twice."""
    if not instances:
        return
    table = model._meta.db_table
    chosen: list[Any] = [model._meta.get_field(name) for name in fields]
    columns = [str(field.column) for field in chosen]
    rows = [
        [
            instance.pk,
            *(field.get_db_prep_save(getattr(instance, field.attname), connection) for field in chosen),
        ]
        for instance in instances
    ]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            assignments = ", ".join(f'"{column}" = %s' for column in columns)
            cursor.executemany(
                f'UPDATE "{table}" SET {assignments} WHERE "id" = %s', [[*row[1:], row[0]] for row in rows]
            )
            return
        names = ", ".join(["id", *(f'"{column}"' for column in columns)])
        assignments = ", ".join(
            f'"{column}" = v."{column}"::{field.cast_db_type(connection)}'
            for column, field in zip(columns, chosen, strict=True)
        )
        where = 't."id" = v."id"::bigint' + (' AND t."county_code" = %s' if county else "")
        one_row = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
        # Expecting a thousand rows, the planner would read the whole county's partition and hash it
        # rather than look each id up.
        with index_lookups_preferred(cursor):
            for start in range(0, len(rows), 1000):
                chunk = rows[start : start + 1000]
                cursor.execute(
                    f'UPDATE "{table}" AS t SET {assignments} FROM (VALUES {", ".join([one_row] * len(chunk))}) '
                    f"AS v({names}) WHERE {where}",
                    [value for row in chunk for value in row] + ([county] if county else []),
                )


@contextmanager
def roomy_page_cache(megabytes: int = 128) -> Iterator[None]:
    """On SQLite, a page cache large enough for the indexes a big write touches, for its duration.

    The default 2 MB cache makes every insert into a million-row index re-read and spill pages;
    with the pages held in memory the same import writes about 30 % faster. PostgreSQL sizes its
    shared buffers itself, so this does nothing there.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = -{megabytes * 1024}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {previous}")


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


def _secondary_indexes(table: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the table's plain indexes; unique and primary keys stay."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint) AND indexdef NOT LIKE 'CREATE UNIQUE%%'",
                [table],
            )
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL "
                "AND sql NOT LIKE 'CREATE UNIQUE%%'",
                [table],
            )
        # A partitioned table's index reads "ON ONLY" (built on the parent alone, invalid until each
        # partition has its own): rebuilt without it, it is built on every partition.
        return [(name, sql.replace(" ON ONLY ", " ON ")) for name, sql in cursor.fetchall()]


@contextmanager
def indexes_rebuilt_after(*models_: type[models.Model]) -> Iterator[None]:
    """Drop the plain indexes of empty tables during a bulk load and build them once at the end:
    building an index from a million rows is several times faster than inserting into a dozen
    indexes row by row. Must run inside the load's transaction, so a failure restores them.

    On PostgreSQL triggers are off during the load (below), so the table of live ID numbers is
    given the persons loaded at the end (``live_ids.refill``)."""
    from . import live_ids

    saved: list[tuple[str, str]] = []
    persons_before: int | None = None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and any(m._meta.db_table == live_ids.PERSONS for m in models_):
            persons_before = live_ids.last_person_id(cursor)
        for model in models_:
            table = model._meta.db_table
            cursor.execute(f"SELECT 1 FROM {table} LIMIT 1")
            if cursor.fetchone() is not None:
                continue
            for name, sql in _secondary_indexes(table):
                cursor.execute(f'DROP INDEX "{name}"')
                saved.append((name, sql))
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA cache_size = -262144")  # 256 MB of page cache for the load
        else:
            _skip_foreign_key_triggers(cursor)
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Run any queued foreign-key checks now: PostgreSQL will not build an index on a table
            # with pending trigger events.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for _name, sql in saved:
            cursor.execute(sql)
        if persons_before is not None:
            live_ids.refill(cursor, above_id=persons_before)


def _skip_foreign_key_triggers(cursor: Any) -> None:
    """Generated rows reference each other correctly by construction; PostgreSQL would otherwise queue
    one deferred foreign-key check per row. Needs a superuser; without one the checks simply run."""
    from django.db import DatabaseError, transaction

    try:
        with transaction.atomic():
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        pass
