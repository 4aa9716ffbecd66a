"""Registry figures as they are now (监测实时化): computed when shown, never stored in the database.

A county's month costs one grouped query per measure (seconds at a million persons), so the result is
kept for a short while in the configured Django cache, shared by every server process (the file cache
in the data directory by default), and computed by one of them at a time:

- An entry is *fresh* while its stamp is the current one and it is younger than ``TTL_SECONDS``. The
  stamp is the newest audit event (every registry and hall service writes one, an import included, and
  the chain head is one row read by primary key) and a shared change generation, renewed after any
  save or delete of a table a measure counts (changes made without an audit event): a registry change
  is seen at the next view, whichever process made it.
- When the entry is not fresh and older than ``refresh_seconds()`` (15 s by default), the view that
  finds it so takes the entry's lock and computes the figures, so a view after a change shows it once
  the figures shown are that old: on a working day every hall step is a counted change, and
  recomputing the county at each view would keep a server process computing without pause. Views arriving while that computation runs get
  the previous figures if they are younger than ``TTL_SECONDS`` (stale while revalidating) and
  otherwise wait for the computation rather than run it again.

Each process also keeps the fresh entries it has read, so a view of unchanged figures reads no cache
file. ``TTL_SECONDS`` bounds what anything else could leave stale (a change made outside Django).

A page drawn from these figures (the dashboard's body, ``page()``) is kept the same way, under a key
naming everything it depends on, so a view of an unchanged dashboard reads the stamp and nothing else;
a page drawn from figures reused after a change keeps their age and is never taken for current. On the
file cache the generation is a file of its own beside the entries, out of reach of the cache's culling.

A kept page is drawn again ahead of time: the view that finds it of an older stamp and
``REFRESH_AHEAD`` of ``refresh_seconds()`` old (10 s of 15) answers with it at once and has it drawn
again in a background thread of its process, its figures at least that old computed again, one
drawing at a time across processes (the page's own lock). Under steady changes no view waits for the
county's figures; views arriving while that drawing runs get the page they had; a view that finds the
page ``refresh_seconds()`` old and no drawing under way (nobody looked meanwhile) draws it itself, so a
change is still shown once the page shown is that old.

Nothing here writes to the database: opening a dashboard changes nothing.
"""

from __future__ import annotations

import contextlib
import contextvars
import fcntl
import hashlib
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.cache.backends.filebased import FileBasedCache
from django.core.signals import request_finished, request_started
from django.db import connections, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import translation

from jisheng.areas.models import Area
from jisheng.audit.models import AuditChainHead
from jisheng.core.kept_statements import KeptStatements

from . import compute
from .definitions import Form
from .measures import MEASURES
from .periods import Period

# The read of the newest audit event, made on every view of the dashboard: compiled once and kept.
_newest_event = KeptStatements(bound=4)

TTL_SECONDS = 60
# A computation holding the lock longer than this (or a process that died holding it, on a cache
# without file locks) no longer keeps the others waiting.
LOCK_SECONDS = 300
WAIT_POLL_SECONDS = 0.05
MAX_ENTRIES = 256
LOCK_FILES = 64
CACHE_ALIAS = "default"
PREFIX = "reporting.live"
GENERATION_KEY = f"{PREFIX}.generation"

Stamp = tuple[int, str]

# The stamp read by this request (a GET or HEAD), with this process's change count and when it was read:
# a dashboard asks for a dozen entries, and reading the chain head and the generation for each was a
# dozen queries and cache files a view. A change this process makes during the request, or a request
# that never said it finished (after STAMP_HELD_SECONDS), reads it again.
_request_stamp: contextvars.ContextVar[list[tuple[int, float, Stamp]] | None] = contextvars.ContextVar(
    "jisheng_live_request_stamp", default=None
)
STAMP_HELD_SECONDS = 5.0
SAFE_METHODS = frozenset({"GET", "HEAD"})

# While a kept page is drawn: when each figure it used that was older than the current stamp was
# computed (figures reused within ``refresh_seconds()`` of a change), so the page is not kept as
# current when what it shows is not.
_older_used: contextvars.ContextVar[list[float] | None] = contextvars.ContextVar(
    "jisheng_live_older_used", default=None
)
# The stamp of a page drawn from older figures: it never matches a real stamp.
OLDER: Stamp = (-1, "")

# A kept page of an older stamp is drawn again ahead of time, in the background, once it is this share
# of ``refresh_seconds()`` old: under steady changes its next drawing is ready before any view would
# have to wait for it (the drawing of a county's dashboard after a change is its figures' computation:
# a fifth of a second of CPU and half a second of SQL at 100,000 persons).
REFRESH_AHEAD = 2 / 3
# Set while a page is drawn again ahead of time: figures of an older stamp at least this old (seconds)
# are computed again instead of reused.
_ahead: contextvars.ContextVar[float | None] = contextvars.ContextVar("jisheng_live_ahead", default=None)


def _in_background(work: Callable[[], None]) -> None:
    """Run ``work`` in a thread of this process, closing the thread's database connections after."""

    def run() -> None:
        try:
            work()
        finally:
            connections.close_all()  # this thread's own connections only

    threading.Thread(target=run, name="jisheng-live-ahead", daemon=True).start()


def _request_began(sender: Any, environ: dict[str, Any] | None = None, **kwargs: Any) -> None:
    method = (environ or {}).get("REQUEST_METHOD", "")
    _request_stamp.set([] if method in SAFE_METHODS else None)


def _request_ended(sender: Any, **kwargs: Any) -> None:
    _request_stamp.set(None)


request_started.connect(_request_began, dispatch_uid="jisheng.reporting.live.request_started")
request_finished.connect(_request_ended, dispatch_uid="jisheng.reporting.live.request_finished")


def refresh_seconds() -> float:
    """How old figures may be before a change makes a view recompute them (``JISHENG_LIVE_REFRESH_SECONDS``,
    15 by default; 0 recomputes at the first view after any change)."""
    return float(getattr(settings, "LIVE_FIGURES_REFRESH_SECONDS", 15))


def _now() -> float:
    return time.time()


class SharedFigures:
    """Figures kept in one Django cache for every process that uses it, computed by one at a time."""

    def __init__(self, cache: Callable[[], BaseCache]) -> None:
        self._cache = cache
        self._lock = threading.Lock()
        self._local: dict[str, tuple[Stamp, float, Any]] = {}
        self._changes = 0
        self._published = 0
        self.computed = 0  # how many times this process computed figures (read by tests)
        self._ahead: set[str] = set()  # the pages this process is drawing again ahead of time
        self.in_background: Callable[[Callable[[], None]], None] = _in_background

    @property
    def cache(self) -> BaseCache:
        return self._cache()

    # --- the stamp

    def changed(self) -> None:
        with self._lock:
            self._changes += 1

    def publish(self) -> None:
        """Renew the shared generation if this process changed a counted table since it last did."""
        with self._lock:
            if self._changes == self._published:
                return
            self._published = self._changes
        self.renew_generation()

    def stamp(self) -> Stamp:
        """The newest audit event and the shared generation: read once per page view (GET or HEAD), and
        at every call outside a request."""
        self.publish()
        held = _request_stamp.get()
        now = time.monotonic()
        if held:
            changes, read_at, value = held[0]
            if changes == self._changes and now - read_at < STAMP_HELD_SECONDS:
                return value
        rows = _newest_event.statement(
            ("newest_event",),
            lambda _key: AuditChainHead.objects.filter(id=1).values_list("last_event_id")[:1],
            using=AuditChainHead.objects.db,
        ).rows(prepare=True)
        head = rows[0][0] if rows else None
        value = (head or 0, self.generation())
        if held is not None:
            held[:] = [(self._changes, now, value)]
        return value

    def _generation_file(self) -> Path | None:
        cache = self.cache
        directory = getattr(cache, "_dir", None)
        if isinstance(cache, FileBasedCache) and directory:
            return Path(directory) / f"{PREFIX}.generation"
        return None

    def generation(self) -> str:
        """The shared change generation. The file cache drops a third of its entries, at random, each
        time it holds more than its ``MAX_ENTRIES`` (300 by default): a generation kept among them
        would be lost with them, and every kept figure recomputed at once. There it is a file of its
        own beside the entries, which the cache never culls; another cache that loses it gets a new
        one (figures recomputed, never older ones taken for current)."""
        path = self._generation_file()
        if path is not None:
            try:
                return path.read_text()
            except FileNotFoundError:
                return ""
        value = self.cache.get(GENERATION_KEY)
        if value is None:
            value = uuid.uuid4().hex
            self.cache.set(GENERATION_KEY, value, None)
        return str(value)

    def renew_generation(self) -> None:
        """A new generation: every write to a counted table renews it once committed.

        On the file cache it is 32 hex digits written over the file's in place. Writing a new file and
        renaming it over the old one cost half a millisecond at every committed change (ext4 writes a
        replaced file's data out at the rename); an in-place write costs microseconds. A reader that
        catches the write half done reads a value that is neither generation, so it computes the figures
        again: never an older page taken for current."""
        path = self._generation_file()
        if path is None:
            self.cache.set(GENERATION_KEY, uuid.uuid4().hex, None)
            return
        value = uuid.uuid4().hex.encode()
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            os.pwrite(descriptor, value, 0)  # always 32 digits: the whole of the file's value
        finally:
            os.close(descriptor)

    def clear(self) -> None:
        """Forget every kept figure, in this process and (by a new generation) in the others."""
        with self._lock:
            self._local.clear()
        self.renew_generation()

    # --- the entries

    @staticmethod
    def name(key: tuple[Any, ...]) -> str:
        return f"{PREFIX}.{hashlib.sha256(repr(key).encode()).hexdigest()[:40]}"

    def _keep(self, name: str, entry: tuple[Stamp, float, Any]) -> Any:
        stamp, computed_at, value = entry
        with self._lock:
            if len(self._local) >= MAX_ENTRIES:
                now = _now()
                for old in [k for k, (_s, expires, _v) in self._local.items() if expires <= now]:
                    del self._local[old]
                if len(self._local) >= MAX_ENTRIES:
                    self._local.clear()
            self._local[name] = (stamp, computed_at + TTL_SECONDS, value)
        return value

    @staticmethod
    def _fresh(entry: Any, stamp: Stamp, now: float) -> bool:
        return entry is not None and entry[0] == stamp and now - entry[1] < TTL_SECONDS

    def _lookup(self, name: str, stamp: Stamp) -> tuple[bool, Any, Any]:
        """(found, value, entry): the value kept under ``name`` if it may be shown — this process's
        copy, else the shared entry while fresh, else the shared entry of an older stamp computed
        within ``refresh_seconds()`` —, and the shared entry read (None if none was, or none is)."""
        now = _now()
        with self._lock:
            local = self._local.get(name)
        if local is not None and local[0] == stamp and local[1] > now:
            return True, local[2], None
        entry = self.cache.get(name)
        if self._fresh(entry, stamp, now):
            return True, self._keep(name, entry), entry
        ahead = _ahead.get()
        if entry is not None and now - entry[1] < (refresh_seconds() if ahead is None else ahead):
            # Changed since, but computed moments ago: while the hall and the portal write all day
            # (every case step is a counted change), recomputing at each view would have the
            # dashboard compute the county without pause; figures at most this old are "now".
            return True, self._older(entry), entry
        return False, None, entry

    def get(self, key: tuple[Any, ...], compute_value: Callable[[], Any]) -> Any:
        name = self.name(key)
        stamp = self.stamp()
        found, value, entry = self._lookup(name, stamp)
        if found:
            return value
        give_up = time.monotonic() + LOCK_SECONDS
        while True:
            with self._locked(name) as held:
                if held:
                    # Another process may have finished it while this one waited for the lock.
                    entry = self.cache.get(name)
                    if self._fresh(entry, stamp, _now()):
                        return self._keep(name, entry)
                    started = _now()
                    value = compute_value()
                    with self._lock:
                        self.computed += 1
                    entry = (stamp, started, value)
                    self.cache.set(name, entry, 2 * TTL_SECONDS)
                    return self._keep(name, entry)
            # Another process is computing these figures now.
            if entry is not None and _now() - entry[1] < TTL_SECONDS:
                return self._older(entry)  # the previous figures, younger than the TTL
            if time.monotonic() > give_up:
                return compute_value()
            time.sleep(WAIT_POLL_SECONDS)
            entry = self.cache.get(name)

    @staticmethod
    def _older(entry: tuple[Stamp, float, Any]) -> Any:
        """An entry of an older stamp, used: a page being drawn learns how old it is."""
        used = _older_used.get()
        if used is not None:
            used.append(entry[1])
        return entry[2]

    def page(self, key: tuple[Any, ...], draw: Callable[[], Any]) -> Any:
        """A page (or part of one) drawn from kept figures, kept under the same stamp: fresh while the
        stamp holds (and younger than ``TTL_SECONDS``), reused within ``refresh_seconds()`` of a change
        like the figures themselves. Drawn without a lock (the figures it reads take theirs; a lock
        here would be held while they take theirs): two processes may draw the same page at once.
        A page drawn from figures of an older stamp keeps their age and is never current."""
        name = self.name(key)
        stamp = self.stamp()
        found, value, entry = self._lookup(name, stamp)
        if found:
            if entry is not None and entry[0] != stamp:
                self._draw_ahead(name, entry, draw)
            return value
        if entry is not None and _now() - entry[1] < TTL_SECONDS and self._drawing_elsewhere(name):
            return self._older(entry)  # drawn again now by another view: the previous page meanwhile
        return self._draw(name, stamp, draw)

    def _draw(self, name: str, stamp: Stamp, draw: Callable[[], Any]) -> Any:
        started = _now()
        used: list[float] = []
        token = _older_used.set(used)
        try:
            value = draw()
        finally:
            _older_used.reset(token)
        if used:
            entry = (OLDER, min(used), value)
            self._older(entry)
            self.cache.set(name, entry, 2 * TTL_SECONDS)
            return value
        entry = (stamp, started, value)
        self.cache.set(name, entry, 2 * TTL_SECONDS)
        return self._keep(name, entry)

    def _draw_ahead(self, name: str, entry: tuple[Stamp, float, Any], draw: Callable[[], Any]) -> None:
        """Once a page of an older stamp shown is ``REFRESH_AHEAD`` of ``refresh_seconds()`` old, have it
        drawn again in the background, by one view of one process at a time, the figures it shows at
        least that old computed again: the view answers at once with the page it has."""
        ahead = REFRESH_AHEAD * refresh_seconds()
        if _now() - entry[1] < ahead:
            return
        with self._lock:
            if name in self._ahead:
                return
            self._ahead.add(name)
        language = translation.get_language()

        def work() -> None:
            try:
                with self._locked(name, kind="page") as held:
                    if not held:
                        return  # another process draws it now
                    latest = self.cache.get(name)
                    if latest is not None and latest[1] > entry[1]:
                        return  # drawn again since this view saw it
                    token = _ahead.set(ahead)
                    try:
                        with translation.override(language):
                            self._draw(name, self.stamp(), draw)
                    finally:
                        _ahead.reset(token)
            finally:
                with self._lock:
                    self._ahead.discard(name)

        try:
            self.in_background(work)
        except BaseException:
            with self._lock:
                self._ahead.discard(name)
            raise

    def _drawing_elsewhere(self, name: str) -> bool:
        """Whether a view (of any process) is drawing this page again ahead of time now."""
        with self._lock:
            if name in self._ahead:
                return True
        with self._locked(name, kind="page") as held:
            return not held

    # --- the lock: one computation of an entry at a time, across processes

    @contextlib.contextmanager
    def _locked(self, name: str, kind: str = "figures") -> Iterator[bool]:
        cache = self.cache
        directory = getattr(cache, "_dir", None)
        if isinstance(cache, FileBasedCache) and directory:
            # The file cache's add() is not atomic; an exclusive lock on a file beside its entries is,
            # and the system drops it when its process ends, whatever happened.
            # One of LOCK_FILES files, so that they stay few whatever periods and areas are viewed; two
            # entries sharing one only take turns.
            # A page's lock is never one of its figures' (a page drawn again ahead of time holds its
            # own while its figures take theirs).
            number = int(name.rsplit(".", 1)[1], 16) % LOCK_FILES
            path = Path(directory) / f"{PREFIX}.{'' if kind == 'figures' else kind + '.'}{number}.lock"
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    yield False
                    return
                try:
                    yield True
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
            return
        token = uuid.uuid4().hex
        if not cache.add(f"{name}.lock", token, LOCK_SECONDS):
            yield False
            return
        try:
            yield True
        finally:
            if cache.get(f"{name}.lock") == token:
                cache.delete(f"{name}.lock")


_shared = SharedFigures(lambda: caches[CACHE_ALIAS])


def _changed(*, using: str = "default", **_kwargs: Any) -> None:
    _shared.changed()
    # Once the change is committed, the other processes see a new generation at their next view
    # (this process sees it at once: the stamp publishes what it changed first).
    transaction.on_commit(_shared.publish, using=using)


def counted_models() -> set[Any]:
    """The registry (and hall) tables the measures count."""
    import datetime

    day = datetime.date(2000, 1, 1)
    return {measure.rows(day, day).model for measure in MEASURES.values()}


def connect() -> None:
    """Called from the app's ready(): any write to a counted table makes kept figures stale."""
    for model in counted_models():
        post_save.connect(_changed, sender=model, dispatch_uid=f"reporting-live-save-{model._meta.label}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"reporting-live-delete-{model._meta.label}")


def clear() -> None:
    _shared.clear()


def _cached(key: tuple[Any, ...], compute_value: Any) -> Any:
    return _shared.get(key, compute_value)


def tree(form: Form, period: Period, area: Area) -> dict[str, dict[str, float]]:
    """{area code: figures} of ``area`` and every area below it, as the registry holds them now."""
    return _cached(
        ("tree", form.code, form.version, period.key, area.code),
        lambda: compute.compute_tree(form, period, area),
    )


def figures(form: Form, period: Period, area: Area) -> dict[str, float]:
    """The computed items of one area now (a village, or the sum of the villages below it)."""
    found = tree(form, period, area).get(area.code)
    return dict(found) if found is not None else {i.code: 0 for i in form.items if i.is_computed}


def kept(key: tuple[Any, ...], compute_value: Callable[[], Any]) -> Any:
    """Figures another app counts from its own records (outreach's card on the dashboard), kept the same
    way: its services write an audit event with every change, so the stamp moves with them; a change
    made without one is bounded by ``TTL_SECONDS``. ``key`` names the figures and everything they
    depend on; the value must pickle."""
    return _cached(("kept", *key), compute_value)


def page(key: tuple[Any, ...], draw: Callable[[], Any]) -> Any:
    """A page drawn from live figures (and anything else whose every change writes an audit event),
    kept like them: shown again while nothing changed, drawn again at the first view after a change
    (or, within ``refresh_seconds()`` of the last drawing, reused like the figures). ``key`` must name
    everything the drawing depends on — whose scope, which area and period, the language, the day;
    the value must pickle."""
    return _shared.page(("page", *key), draw)


def _measure_only(form: Form, measure: str) -> Form:
    return replace(form, items=tuple(item for item in form.items if item.measure == measure))


def series(form: Form, periods: Iterable[Period], area: Area, measure: str = "births") -> dict[str, dict]:
    """{period key: figures of one measure's items} for ``area``: the trend reads only what it draws."""
    small = _measure_only(form, measure)
    return {
        period.key: _cached(
            ("series", form.code, form.version, measure, period.key, area.code),
            lambda period=period: compute.compute_area(small, period, area),
        )
        for period in periods
    }
