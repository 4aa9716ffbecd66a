"""Hints to PostgreSQL's planner for the few statements where its estimate is known to be wrong.

A batch of a thousand ids looked up in a county's partition of a million rows is estimated as a large
share of the table, so the planner reads and hashes the whole partition instead of probing the primary
key a thousand times (measured at ten million persons: seconds against milliseconds). For such
statements only, sequential scans are turned off for the duration of a block.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections, transaction
from django.db.backends.utils import CursorWrapper

__all__ = ["index_lookups_preferred"]


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
