"""Reporting periods and their stable keys.

Keys sort and read naturally and never change meaning: ``2026`` (year), ``2026-Q4`` (quarter),
``2026-M11`` (month), ``2026-W47`` (ISO week, so the year is the ISO year), ``2026-D3-110`` (the 110th
three-day block of 2026: days 328–330; the last block of a year is cut short at 31 December).
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

PERIOD_TYPES = ("day3", "week", "month", "quarter", "year")
# Years a period may fall in: wide enough for any registry, narrow enough that the period before and
# after always exist as dates.
MIN_YEAR, MAX_YEAR = 1900, 2999
# How many periods the period list offers, newest first.
CHOICES = {"day3": 20, "week": 16, "month": 24, "quarter": 12, "year": 10}

_PATTERNS = {
    "year": re.compile(r"^(?P<year>\d{4})$"),
    "quarter": re.compile(r"^(?P<year>\d{4})-Q(?P<n>[1-4])$"),
    "month": re.compile(r"^(?P<year>\d{4})-M(?P<n>\d{1,2})$"),
    "week": re.compile(r"^(?P<year>\d{4})-W(?P<n>\d{1,2})$"),
    "day3": re.compile(r"^(?P<year>\d{4})-D3-(?P<n>\d{1,3})$"),
}


@dataclass(frozen=True)
class Period:
    type: str
    year: int
    number: int  # quarter, month, week or block number; 0 for a year

    @property
    def key(self) -> str:
        if self.type == "year":
            return f"{self.year}"
        if self.type == "quarter":
            return f"{self.year}-Q{self.number}"
        if self.type == "month":
            return f"{self.year}-M{self.number:02d}"
        if self.type == "week":
            return f"{self.year}-W{self.number:02d}"
        return f"{self.year}-D3-{self.number:03d}"

    @property
    def start(self) -> datetime.date:
        if self.type == "year":
            return datetime.date(self.year, 1, 1)
        if self.type == "quarter":
            return datetime.date(self.year, 3 * self.number - 2, 1)
        if self.type == "month":
            return datetime.date(self.year, self.number, 1)
        if self.type == "week":
            return datetime.date.fromisocalendar(self.year, self.number, 1)
        return datetime.date(self.year, 1, 1) + datetime.timedelta(days=3 * (self.number - 1))

    @property
    def end(self) -> datetime.date:
        """The last day of the period (inclusive)."""
        if self.type == "year":
            return datetime.date(self.year, 12, 31)
        if self.type == "quarter":
            month = 3 * self.number
            return datetime.date(self.year, month, calendar.monthrange(self.year, month)[1])
        if self.type == "month":
            return datetime.date(self.year, self.number, calendar.monthrange(self.year, self.number)[1])
        if self.type == "week":
            return self.start + datetime.timedelta(days=6)
        return min(self.start + datetime.timedelta(days=2), datetime.date(self.year, 12, 31))

    def due(self, days_after_end: int) -> datetime.date:
        return self.end + datetime.timedelta(days=days_after_end)

    def previous(self) -> Period:
        return containing(self.type, self.start - datetime.timedelta(days=1))

    def next(self) -> Period:
        return containing(self.type, self.end + datetime.timedelta(days=1))

    def history(self, count: int) -> list[Period]:
        """The ``count`` periods before this one, oldest first."""
        periods: list[Period] = []
        period = self
        for _index in range(count):
            period = period.previous()
            periods.append(period)
        return list(reversed(periods))

    @property
    def label(self) -> str:
        if self.type == "year":
            return _("%(year)s") % {"year": self.year}
        if self.type == "quarter":
            return _("%(year)s Q%(n)s") % {"year": self.year, "n": self.number}
        if self.type == "month":
            return _("%(year)s-%(n)02d") % {"year": self.year, "n": self.number}
        if self.type == "week":
            return _("%(year)s week %(n)s") % {"year": self.year, "n": self.number}
        return _("%(start)s to %(end)s") % {"start": self.start.isoformat(), "end": self.end.isoformat()}

    def __str__(self) -> str:
        return self.key


def containing(period_type: str, day: datetime.date) -> Period:
    """The period of the given type that contains ``day``."""
    if period_type == "year":
        return Period("year", day.year, 0)
    if period_type == "quarter":
        return Period("quarter", day.year, (day.month - 1) // 3 + 1)
    if period_type == "month":
        return Period("month", day.year, day.month)
    if period_type == "week":
        iso = day.isocalendar()
        return Period("week", iso.year, iso.week)
    if period_type == "day3":
        return Period("day3", day.year, (day.timetuple().tm_yday - 1) // 3 + 1)
    raise ValidationError(_("Unknown period type “%(type)s”.") % {"type": period_type})


def parse(key: str) -> Period:
    """Read a period key; a malformed key is an error naming the key."""
    text = key.strip().upper()
    for period_type, pattern in _PATTERNS.items():
        match = pattern.match(text)
        if not match:
            continue
        year = int(match["year"])
        if not MIN_YEAR <= year <= MAX_YEAR:
            break
        number = int(match["n"]) if "n" in pattern.groupindex else 0
        limits = {"month": 12, "quarter": 4, "week": _iso_weeks(year), "day3": _blocks(year)}
        if period_type != "year" and not 1 <= number <= limits[period_type]:
            break
        return Period(period_type, year, number)
    raise ValidationError(_("Period “%(key)s” is not a valid period key.") % {"key": key})


def parse_or_none(key: str) -> Period | None:
    """A period key from a URL: None when absent or malformed (the page then shows the current period)."""
    try:
        return parse(key) if key and len(key) <= 16 else None
    except ValidationError:
        return None


def choices(period_type: str, today: datetime.date, selected: Period | None = None) -> list[Period]:
    """The periods a person picks from: the current one and those before it, newest first.

    A selected period outside the list (an old month opened by a link) is kept at its place in time.
    """
    current = containing(period_type, today)
    periods = [current, *reversed(current.history(CHOICES.get(period_type, 12) - 1))]
    if selected is not None and selected.type == period_type and selected not in periods:
        periods.append(selected)
        periods.sort(key=lambda period: period.start, reverse=True)
    return periods


def _iso_weeks(year: int) -> int:
    return datetime.date(year, 12, 28).isocalendar().week


def _blocks(year: int) -> int:
    days = 366 if calendar.isleap(year) else 365
    return -(-days // 3)
