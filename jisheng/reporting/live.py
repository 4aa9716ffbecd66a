"""Registry figures as they are now (监测实时化): computed when shown, never stored.

A county's month costs one grouped query per measure (seconds at a million persons), so the result is
kept in this process for a short while. It is thrown away as soon as the registry changes: the key
carries the newest audit event (every registry and hall service writes one, an import included, and
the chain head is one row read by primary key, so other server processes see the change too) and a
counter bumped by any save or delete of a table a measure counts (changes made in this process without
an audit event). ``TTL_SECONDS`` bounds what anything else could leave stale.

Nothing here writes to the database: opening a dashboard changes nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from django.db.models.signals import post_delete, post_save

from jisheng.areas.models import Area
from jisheng.audit.models import AuditChainHead

from . import compute
from .definitions import Form
from .measures import MEASURES
from .periods import Period

TTL_SECONDS = 60
MAX_ENTRIES = 256

_lock = threading.Lock()
_entries: dict[tuple[Any, ...], tuple[float, Any]] = {}
_changes = 0


def _changed(**_kwargs: Any) -> None:
    global _changes
    with _lock:
        _changes += 1


def counted_models() -> set[Any]:
    """The registry (and hall) tables the measures count."""
    import datetime

    day = datetime.date(2000, 1, 1)
    return {measure.rows(day, day).model for measure in MEASURES.values()}


def connect() -> None:
    """Called from the app's ready(): any write to a counted table makes cached figures stale."""
    for model in counted_models():
        post_save.connect(_changed, sender=model, dispatch_uid=f"reporting-live-save-{model._meta.label}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"reporting-live-delete-{model._meta.label}")


def clear() -> None:
    with _lock:
        _entries.clear()


def _stamp() -> tuple[int, int]:
    head = AuditChainHead.objects.filter(id=1).values_list("last_event_id", flat=True).first()
    return (head or 0, _changes)


def _cached(key: tuple[Any, ...], compute_value: Any) -> Any:
    full_key = (*key, _stamp())
    now = time.monotonic()
    with _lock:
        hit = _entries.get(full_key)
        if hit is not None and hit[0] > now:
            return hit[1]
    value = compute_value()
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            for stale in [
                k for k, (expires, _v) in _entries.items() if expires <= now or k[-1] != full_key[-1]
            ]:
                del _entries[stale]
            if len(_entries) >= MAX_ENTRIES:
                _entries.clear()
        _entries[full_key] = (now + TTL_SECONDS, value)
    return value


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
