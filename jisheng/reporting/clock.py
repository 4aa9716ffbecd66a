"""The time reports are submitted at.

Lateness is decided by the date of submission, so demo data and tests need to submit "on" a given day:
``travel_to`` sets the reporting clock (and only it — sessions, tokens and the audit trail keep the
real time) for the duration of a ``with`` block. Production code never calls it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone

_frozen: datetime.datetime | None = None


def now() -> datetime.datetime:
    return _frozen or timezone.now()


def today() -> datetime.date:
    return timezone.localdate(now())


@contextmanager
def travel_to(moment: datetime.datetime) -> Iterator[None]:
    global _frozen
    previous, _frozen = _frozen, moment
    try:
        yield
    finally:
        _frozen = previous
