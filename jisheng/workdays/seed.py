"""The days chinesecalendar knows, as rows for the calendar table (used by the migration and the service)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator


def chinesecalendar_years() -> range:
    """The years the installed chinesecalendar publishes (it raises NotImplementedError beyond them)."""
    import chinese_calendar

    first = 2004
    last = first
    while True:
        try:
            chinese_calendar.is_workday(datetime.date(last + 1, 6, 1))
        except NotImplementedError:
            break
        last += 1
        if last > 2200:  # pragma: no cover - a safety stop, never reached with a real package
            break
    return range(first, last + 1)


def days_of_year(year: int) -> Iterator[datetime.date]:
    day = datetime.date(year, 1, 1)
    while day.year == year:
        yield day
        day += datetime.timedelta(days=1)


def chinesecalendar_rows(year: int) -> Iterator[tuple[datetime.date, bool, str]]:
    """(date, is working day, note) for every day of the year; the note names holidays and make-up days."""
    import chinese_calendar

    for day in days_of_year(year):
        working = bool(chinese_calendar.is_workday(day))
        note = ""
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
        if name:
            note = str(name)
        if working and day.weekday() >= 5:
            note = f"调休上班 {note}".strip()
        elif not working and day.weekday() < 5 and not note:
            note = "休息日"
        del is_holiday
        yield day, working, note[:64]
