"""Hints to PostgreSQL's planner for the few statements where its estimate is known to be wrong, and
plans kept by the server for the few statements that gain nothing from being planned each time.

A batch of a thousand ids looked up in a county's partition of a million rows is estimated as a large
share of the table, so the planner reads and hashes the whole partition instead of probing the primary
key a thousand times (measured at ten million persons: seconds against milliseconds). For such
statements only, sequential scans are turned off for the duration of a block.

A read that cannot name the counties its rows lie in (a man's marriages and children are recorded in
the wife's and mother's counties) is planned over every county's partition each time: at thirty
counties, opening and planning them cost several times what the read does. Its plan does not depend on
the key it is given, so it is prepared once a connection and run again from the server's plan
(:func:`preparing_cursor`). Only such reads: a read whose best plan depends on its values (a name
searched with ``LIKE``, a county that prunes partitions) must be planned with them, and preparing every
statement (tried: Django's ``server_side_binding`` with psycopg's automatic preparation) lost the name
search's index.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper

__all__ = ["fixed_rows", "index_lookups_preferred", "preparing_cursor"]


@contextmanager
def index_lookups_preferred(cursor: CursorWrapper, *, using: str = "default") -> Iterator[None]:
    """Within the block, PostgreSQL plans without sequential scans where it has an index to use.

    The setting is the transaction's (``set_config(..., true)``), taken inside an atomic block (a
    savepoint when nested): it is restored at the block's end, and on an error the savepoint's roll-back
    undoes it with the rest, so no later statement of the connection plans under it. On SQLite, nothing.
    May be nested.
    """
    if connections[using].vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=using):
        cursor.execute("SELECT current_setting('enable_seqscan'), set_config('enable_seqscan', 'off', true)")
        previous = cursor.fetchone()[0]
        yield
        cursor.execute("SELECT set_config('enable_seqscan', %s, true)", [previous])


def preparing_cursor(connection: BaseDatabaseWrapper) -> CursorWrapper:
    """A cursor whose statements PostgreSQL prepares once a connection and then runs from its kept plan.

    psycopg binds the parameters on the server and prepares the statement at its first run; the server
    plans it once, without its values (Jisheng's connections set ``plan_cache_mode`` to
    ``force_generic_plan``: left to choose, it went on planning some for their values at every run,
    see ``settings``). Wrapped as Django wraps its cursors: logged and counted as every statement is,
    its errors Django's. A connection pooler that hands a connection to another client between
    transactions (PgBouncer's transaction mode) would lose the prepared statements: Jisheng connects to
    PostgreSQL directly. On SQLite, an ordinary cursor.
    """
    if connection.vendor != "postgresql":
        return connection.cursor()
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg import adapters
    from psycopg.pq import Format

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = connection.connection
        cursor = _preparing_class()(raw)
        # As Django's own cursors: its time zone when the connection's loader has another.
        loader = raw.adapters.get_loader(adapters.types["timestamptz"].oid, Format.TEXT)
        if getattr(loader, "timezone", None) != connection.timezone:
            register_tzloader(connection.timezone, cursor)
    connection.validate_thread_sharing()
    if connection.queries_logged:
        return _PreparedDebugCursor(cursor, connection)
    return connection.make_cursor(cursor)


class _PreparedDebugCursor(CursorDebugWrapper):
    """Logs each statement with its values composed, as Django logs its own cursors' (psycopg keeps no
    text of a prepared statement's run for Django to read back)."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.debug_sql(self.db.ops.compose_sql(sql, params), params):  # type: ignore[attr-defined]
            return CursorWrapper.execute(self, sql, params)


@cache
def _preparing_class() -> type[Any]:
    import psycopg

    class PreparingCursor(psycopg.Cursor[Any]):
        """psycopg's server-binding cursor, every statement prepared at its first run."""

        def execute(
            self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: bool | None = None
        ) -> Any:
            return super().execute(query, params, prepare=True, binary=binary)

    return PreparingCursor


def fixed_rows(connection: BaseDatabaseWrapper, sql: str, params: Any) -> list[tuple[Any, ...]]:
    """The rows of a read kept with all its values (nothing in it changes from one run to the next: the
    clerk's queue for one scope, clerk, status and day). On PostgreSQL its values are written into its
    text as literals, once, and the text is prepared once a connection: planned for its own values, as
    an unprepared read is, but once, where planning it each time cost the server more than running it
    (the queue's figures: 0.4 ms to plan, 0.1 ms to run). A statement with parameters would be planned
    without its values after five runs, a plan that may not suit a county's scope. Elsewhere it runs as
    given."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    key = (connection.alias, sql, tuple(params))
    text = _fixed_texts.get(key)
    if text is None:
        text = connection.ops.compose_sql(sql, params)  # type: ignore[attr-defined]
        if len(_fixed_texts) >= _FIXED_BOUND:
            _fixed_texts.clear()
        _fixed_texts[key] = text
    with preparing_cursor(connection) as cursor:
        cursor.execute(text)
        return cursor.fetchall()


# The literal texts of the fixed reads, by database, statement and values: at most a few per clerk a day.
_FIXED_BOUND = 2048
_fixed_texts: dict[tuple[str, str, tuple[Any, ...]], str] = {}
