"""Reads on a streaming replica, for the pages that only read a lot: dashboards, reports, searches, exports.

A city or province runs PostgreSQL with a streaming replica (PostgreSQL's own physical replication) and
sets ``DATABASE_REPLICA_URL``. Then:

* Writes always go to the primary (``default``); so does every read, unless the request is one of the
  read-heavy pages listed in ``settings.REPLICA_READ_VIEWS`` (URL names) and is a GET or HEAD.
* Read-your-own-writes: a user who changed something in the last ``REPLICA_STICKY_SECONDS`` reads from
  the primary even on those pages, so the dashboard after a correction shows the correction. The mark
  is a small signed cookie set on any write request, not a session write.
* A replica that lags more than ``REPLICA_MAX_LAG_SECONDS`` behind, or cannot be reached, is skipped:
  the page reads from the primary and says nothing went wrong. Health is checked at most every few
  seconds per process; a replica that fails in the middle of a page has that page run again on the
  primary (a GET has no effects to repeat).

The router is plain Django (``DATABASE_ROUTERS``); the choice for a request lives in a context variable
set by ``ReplicaReadsMiddleware``, so background jobs and commands always use the primary.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

REPLICA = "replica"
PRIMARY = "default"
WROTE_COOKIE = "jisheng_wrote"

log = logging.getLogger(__name__)
_use_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("jisheng_use_replica", default=False)
# The exceptions Django turned into error responses during this request (see ``_note_failure``).
_failures: contextvars.ContextVar[list[BaseException] | None] = contextvars.ContextVar(
    "jisheng_replica_failures", default=None
)


def _note_failure(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """Django answers an exception in a view or middleware with an error page before our middleware
    sees it; its ``got_request_exception`` signal tells us which exception it was."""
    failures = _failures.get()
    if failures is not None:
        exc = sys.exc_info()[1]
        if exc is not None:
            failures.append(exc)


got_request_exception.connect(_note_failure, dispatch_uid="jisheng.core.replica")


def configured() -> bool:
    return REPLICA in settings.DATABASES


class _Health:
    """The replica's state as last seen by this process: checked at most every ``CHECK_EVERY`` seconds."""

    CHECK_EVERY = 5.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._checked_at = -1e9
        self._usable = False
        self.last_lag: float | None = None

    def usable(self) -> bool:
        now = time.monotonic()
        if now - self._checked_at < self.CHECK_EVERY:
            return self._usable
        with self._lock:
            if now - self._checked_at >= self.CHECK_EVERY:
                self._usable = self._check()
                self._checked_at = time.monotonic()
        return self._usable

    def mark_down(self) -> None:
        with self._lock:
            self._usable = False
            self._checked_at = time.monotonic()

    def reset(self) -> None:
        with self._lock:
            self._checked_at = -1e9

    def _check(self) -> bool:
        try:
            lag = replica_lag_seconds()
        except DatabaseError as exc:
            log.warning("replica not usable, reading from the primary: %s", exc)
            _close_replica()
            self.last_lag = None
            return False
        self.last_lag = lag
        if lag is None or lag > float(getattr(settings, "REPLICA_MAX_LAG_SECONDS", 10)):
            log.warning("replica lags %s s, reading from the primary", lag)
            return False
        return True


health = _Health()


def replica_lag_seconds() -> float | None:
    """How far the replica's replayed state is behind: 0 when it has replayed all it received (an idle
    primary makes the replay timestamp old without any lag), else the age of the last replayed
    transaction. None when the server is not a replica at all."""
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(
            "SELECT pg_is_in_recovery(), "
            "pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn(), "
            "EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())"
        )
        in_recovery, caught_up, age = cursor.fetchone()
    if not in_recovery:
        return None
    if caught_up:
        return 0.0
    return float(age) if age is not None else None


def _close_replica() -> None:
    with contextlib.suppress(Exception):
        connections[REPLICA].close()


@contextlib.contextmanager
def reading_from_replica() -> Iterator[bool]:
    """Route this block's reads to the replica when it is usable; yields whether it is."""
    use = configured() and health.usable()
    token = _use_replica.set(use)
    try:
        yield use
    finally:
        _use_replica.reset(token)


class ReplicaRouter:
    """Reads go to the replica only inside ``reading_from_replica`` (the listed pages); all else to the
    primary. Migrations run on the primary only (the replica receives them by replication)."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return REPLICA if _use_replica.get() else PRIMARY

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # the same data on both

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool | None:
        return db == PRIMARY


def _url_name(request: HttpRequest) -> str | None:
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
    return match.view_name


class ReplicaReadsMiddleware:
    """Runs the listed read-heavy GET pages with reads on the replica, and marks writers' browsers so
    their next pages read their own writes from the primary."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not configured():
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            response = self.get_response(request)
            sticky = int(getattr(settings, "REPLICA_STICKY_SECONDS", 30))
            response.set_signed_cookie(
                WROTE_COOKIE, "1", salt=WROTE_COOKIE, max_age=sticky, httponly=True, samesite="Lax"
            )
            return response
        if not self._wants_replica(request):
            return self.get_response(request)
        failures: list[BaseException] = []
        token = _failures.set(failures)
        try:
            with reading_from_replica() as on_replica:
                response = self.get_response(request)
            if not (on_replica and any(isinstance(exc, DatabaseError) for exc in failures)):
                return response
            # The replica was lost in the middle of the page (in the view or a middleware): the page
            # runs again on the primary; a GET has no effect to repeat.
            log.warning("replica failed during %s, answering from the primary: %s", request.path, failures[0])
            health.mark_down()
            _close_replica()
            return self.get_response(request)
        finally:
            _failures.reset(token)

    def _wants_replica(self, request: HttpRequest) -> bool:
        if request.get_signed_cookie(WROTE_COOKIE, default=None, salt=WROTE_COOKIE) is not None:
            return False
        return _url_name(request) in set(getattr(settings, "REPLICA_READ_VIEWS", ()))
