"""Counting Chinese working days, from the calendar table.

The whole table (a few thousand rows) is held in memory as a sorted list of working-day ordinals, so a
sweep over 100,000 cases costs one bisect per case. It is reloaded after any change in this process and
at least every minute, so that an administrator's edit reaches every server worker quickly.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime
import threading
import time

from django.db import IntegrityError
from django.utils.translation import gettext as _

from jisheng.core.actor import System

RELOAD_SECONDS = 60
# Who fills a missing year when a deadline needs it.
CALENDAR_JOB = System(job="working-day calendar")


class CalendarMissing(ValueError):
    """A date falls in a year the calendar does not cover yet."""


class _Calendar:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loaded_at = 0.0
        self.working: list[int] = []
        self.years: frozenset[int] = frozenset()
        self.provisional: frozenset[int] = frozenset()

    def ensure(self) -> None:
        if time.monotonic() - self.loaded_at < RELOAD_SECONDS and self.years:
            return
        # Before the lock, never under it: filling writes, and a write waits for the database's one
        # writer, which may be a thread of this process waiting for this lock to count a deadline.
        _fill_missing_years()
        with self.lock:
            if time.monotonic() - self.loaded_at < RELOAD_SECONDS and self.years:
                return  # another thread of this process loaded it while this one waited for the lock
            from .models import CalendarDay

            counts: dict[int, int] = {}
            working: list[int] = []
            provisional: set[int] = set()
            rows = CalendarDay.objects.order_by("date").values_list("date", "is_working_day", "source")
            for day, is_working, source in rows:
                counts[day.year] = counts.get(day.year, 0) + 1
                if is_working:
                    working.append(day.toordinal())
                if source == "provisional":
                    provisional.add(day.year)
            years = {year for year, count in counts.items() if count == (366 if _is_leap(year) else 365)}
            self.working = working
            self.years = frozenset(years)
            self.provisional = frozenset(provisional & years)
            self.loaded_at = time.monotonic()

    def invalidate(self) -> None:
        self.loaded_at = 0.0


def _fill_missing_years() -> None:
    """Seed an empty table, and give next year a provisional calendar when it has none yet: a read
    each reload, a write once a year (or once, for a database that never got the migration's seed)."""
    from django.utils import timezone

    from .models import CalendarDay
    from .services import calendar_fill_provisional, calendar_seed

    last = CalendarDay.objects.order_by("-date").values_list("date", flat=True).first()
    if last is None:
        # A database that never got the migration's seed (or was flushed): fill it once from
        # chinesecalendar rather than refuse every deadline.
        calendar_seed(by=CALENDAR_JOB)
    through_year = timezone.localdate().year + 1
    if last is None or last.year < through_year:
        # The next year runs on a provisional calendar until its official one is loaded, so the hall
        # keeps accepting multi-day cases across the new year. Another process may fill the same year
        # at the same moment (PostgreSQL): then use theirs.
        with contextlib.suppress(IntegrityError):
            calendar_fill_provisional(by=CALENDAR_JOB, through_year=through_year)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


_calendar = _Calendar()


def invalidate() -> None:
    _calendar.invalidate()


def covered_years() -> frozenset[int]:
    _calendar.ensure()
    return _calendar.years


def provisional_years() -> frozenset[int]:
    """Covered years whose calendar is still the provisional one (no State Council notice loaded)."""
    _calendar.ensure()
    return _calendar.provisional


def is_provisional(day: datetime.date | None) -> bool:
    """A deadline falling in a provisional year was counted (at least partly) on provisional days:
    provisional years always follow the official ones."""
    return day is not None and day.year in provisional_years()


def official_until() -> datetime.date | None:
    """The last day of the official calendar (the day the State Council's notices run out)."""
    official = [year for year in covered_years() if year not in _calendar.provisional]
    return datetime.date(max(official), 12, 31) if official else None


def _require(year: int) -> None:
    if year not in covered_years():
        raise CalendarMissing(
            _(
                "The working-day calendar has no data for %(year)s yet: an administrator must import "
                "that year's holidays and make-up working days first."
            )
            % {"year": year}
        )


def is_working_day(day: datetime.date) -> bool:
    _require(day.year)
    ordinal = day.toordinal()
    index = bisect.bisect_left(_calendar.working, ordinal)
    return index < len(_calendar.working) and _calendar.working[index] == ordinal


def add_working_days(start: datetime.date, n: int) -> datetime.date:
    """The n-th working day after ``start`` (民法典 art. 201: the starting day itself does not count).

    ``n == 0`` gives ``start`` back. Refuses to count into a year the calendar does not cover.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    _require(start.year)
    if n == 0:
        return start
    working = _calendar.working
    index = bisect.bisect_right(working, start.toordinal()) + n - 1
    if index >= len(working):
        raise CalendarMissing(
            _(
                "The working-day calendar has no data for %(year)s yet: an administrator must import "
                "that year's holidays and make-up working days first."
            )
            % {"year": start.year + 1}
        )
    result = datetime.date.fromordinal(working[index])
    _require(result.year)
    # A gap in the covered years (e.g. 2026 and 2028 but not 2027) must not be jumped over silently.
    for year in range(start.year, result.year + 1):
        _require(year)
    return result


def acceptance_day(received: datetime.date) -> datetime.date:
    """An application received on a non-working day counts as received on the next working day."""
    if is_working_day(received):
        return received
    return add_working_days(received, 1)


def due_date(received: datetime.date, limit_working_days: int) -> datetime.date:
    """The last day of a time limit; 0 means the same working day as acceptance."""
    return add_working_days(acceptance_day(received), limit_working_days)


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """How many working days lie after ``start`` up to and including ``end`` (0 when end <= start)."""
    if end <= start:
        return 0
    _require(start.year)
    _require(end.year)
    working = _calendar.working
    return bisect.bisect_right(working, end.toordinal()) - bisect.bisect_right(working, start.toordinal())
