"""Fixed-window rate limits for public pages and sign-in, counted in the database.

The counter is one row per scope, client and window, incremented by a single atomic statement (see
core.models.Counter), so the limit holds across all of gunicorn's workers.

A request whose window is already used up is refused after a read of the counter, without a write:
counts within a window only grow, so a full window stays full. A flood from one address (a script, or
a crowd behind one address after its limit) therefore costs the database one indexed read per request,
never the single writer SQLite has. A request below the limit is counted by the write as before, so the
limit is exact across workers.
"""

from __future__ import annotations

import datetime
import random
import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from .clientaddress import client_address
from .models import Counter

__all__ = ["Window", "allow", "client_address", "hit", "peek", "window_of"]


def hit(key: str, *, window: int) -> int:
    """Add one to the counter ``key`` (which should name its window) and return the new count."""
    now = timezone.now()
    expires = now + datetime.timedelta(seconds=window + 1)
    quote = connection.ops.quote_name
    table, key_, count = quote(Counter._meta.db_table), quote("key"), quote("count")
    # One statement: nested in a caller's transaction it needs no savepoint of its own (two more round
    # trips on PostgreSQL); alone, its transaction takes SQLite's writers' turn.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key_}, {count}, updated_at, expires_at) VALUES (%s, 1, %s, %s) "
            f"ON CONFLICT ({key_}) DO UPDATE SET {count} = {table}.{count} + 1, "
            f"updated_at = excluded.updated_at RETURNING {count}",
            [key, now, expires],
        )
        row = cursor.fetchone()
    if random.random() < 0.01:  # now and then, forget windows that have passed
        Counter.objects.filter(expires_at__lt=now).delete()
    return int(row[0]) if row else 1


def peek(key: str) -> Counter | None:
    return Counter.objects.filter(key=key, expires_at__gte=timezone.now()).first()


def count(key: str) -> int:
    """The counter ``key`` as it stands (0 when it has none), read without writing."""
    value = Counter.objects.filter(key=key).values_list("count", flat=True).first()
    return int(value or 0)


def window_number(window: int) -> int:
    """Which fixed window of ``window`` seconds the wall clock is in (the tests hold it still)."""
    return int(time.time() // window)


@dataclass(frozen=True)
class Window:
    """This address's current window of one scope: ``full()`` reads, ``take()`` counts one request.

    A form whose request writes anyway takes its count inside its own transaction (one write, not two;
    see the portal's application): ``full()`` first, then ``take()`` in the transaction, refusing when it
    says no. The count is then exact across workers as with ``allow``, and a request whose transaction
    rolls back must ``take()`` again outside it, so that it is counted all the same."""

    key: str
    limit: int
    seconds: int

    def full(self) -> bool:
        return count(self.key) >= self.limit  # a full window stays full: refused without a write

    def take(self) -> bool:
        return hit(self.key, window=self.seconds) <= self.limit


def window_of(request: HttpRequest, scope: str, *, limit: int = 30, window: int = 60) -> Window:
    key = f"rate:{scope}:{client_address(request)}:{window_number(window)}"
    return Window(key=key, limit=limit, seconds=window)


def allow(request: HttpRequest, scope: str, *, limit: int = 30, window: int = 60) -> bool:
    """True while this address has made at most ``limit`` requests of ``scope`` in the current window."""
    current = window_of(request, scope, limit=limit, window=window)
    return not current.full() and current.take()
