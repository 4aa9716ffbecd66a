"""Changes to the working-day calendar, and the counting functions deadlines use (re-exported here)."""

from __future__ import annotations

import csv
import datetime
import io

from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils.translation import gettext as _

from jisheng.audit.services import record
from jisheng.core.actor import Actor

from . import calendar
from .calendar import (  # noqa: F401 - the public counting interface of this app
    CalendarMissing,
    acceptance_day,
    add_working_days,
    covered_years,
    due_date,
    is_provisional,
    official_until,
    provisional_years,
    working_days_between,
)
from .models import CalendarDay, DaySource
from .seed import chinesecalendar_rows, chinesecalendar_years, days_of_year, provisional_rows

# Sent inside the transaction that replaces a provisional year with an official one (an import, or a
# newer chinesecalendar), with ``year``, ``previous_working`` (the provisional working days) and ``by``:
# deadlines counted on the provisional days are
# recomputed by the apps that hold them (the hall), in the same transaction.
official_year_loaded = Signal()

# How long before the official calendar runs out the administrator and the scheduler's log say so.
WARN_DAYS = 60

WORKING_WORDS = {"班", "上班", "工作日", "1", "work", "workday", "working"}
REST_WORDS = {"休", "休息", "节假日", "假", "0", "rest", "holiday", "off"}


def _replace_year(year: int, rows: list[tuple[datetime.date, bool, str]], source: str) -> int:
    CalendarDay.objects.filter(date__year=year).delete()
    CalendarDay.objects.bulk_create(
        CalendarDay(date=day, is_working_day=working, source=source, note=note) for day, working, note in rows
    )
    calendar.invalidate()
    transaction.on_commit(calendar.invalidate)
    return len(rows)


@transaction.atomic
def calendar_seed(*, by: Actor, years: list[int] | None = None, replace: bool = False) -> list[int]:
    """Fill the calendar from chinesecalendar for its published years; keeps years already present
    unless ``replace`` (an imported or edited year is not overwritten by accident). May be nested."""
    seeded = []
    present = set(CalendarDay.objects.dates("date", "year").values_list("date__year", flat=True))
    provisional = _provisional_in_table()
    for year in years or list(chinesecalendar_years()):
        if year in present and year not in provisional and not replace:
            continue
        previous = _working_days_of(year)
        _replace_year(year, list(chinesecalendar_rows(year)), DaySource.CHINESECALENDAR)
        seeded.append(year)
        if year in provisional:
            official_year_loaded.send(sender=CalendarDay, year=year, previous_working=previous, by=by)
    if seeded:
        record(
            by=by,
            action="workdays.seed",
            object_type="workdays.year",
            # The years themselves are in ``after``; the id names the span, so it fits the column.
            object_id=f"{seeded[0]}-{seeded[-1]}" if len(seeded) > 1 else str(seeded[0]),
            object_repr=f"chinesecalendar {seeded[0]}–{seeded[-1]}",
            after={"years": seeded},
            area_code="",
        )
    return seeded


def parse_year_csv(text: str) -> tuple[int, dict[datetime.date, tuple[bool, str]]]:
    """Read ``date,kind,note`` rows (kind 休/班); every error names its row and field, in Chinese."""
    errors: list[str] = []
    overrides: dict[datetime.date, tuple[bool, str]] = {}
    years: set[int] = set()
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    for number, row in enumerate(reader, start=1):
        if not row or not "".join(row).strip() or row[0].strip().startswith("#"):
            continue
        if number == 1 and row[0].strip().lower() in {"date", "日期"}:
            continue
        cells = [cell.strip() for cell in row] + ["", ""]
        try:
            day = datetime.date.fromisoformat(cells[0])
        except ValueError:
            errors.append(
                _("Row %(row)s, date: “%(value)s” is not a date; write YYYY-MM-DD.")
                % {"row": number, "value": cells[0]}
            )
            continue
        kind = cells[1].lower()
        if kind in WORKING_WORDS:
            working = True
        elif kind in REST_WORDS:
            working = False
        else:
            errors.append(
                _("Row %(row)s, kind: “%(value)s” is not understood; write 休 (rest) or 班 (working day).")
                % {"row": number, "value": cells[1]}
            )
            continue
        if day in overrides:
            errors.append(_("Row %(row)s, date: %(day)s appears twice.") % {"row": number, "day": day})
        years.add(day.year)
        overrides[day] = (working, cells[2][:64])
    if not errors and len(years) != 1:
        errors.append(
            _("Date: one file holds the holidays and make-up working days of one year only.")
            if years
            else _("The file is empty.")
        )
    if errors:
        raise ValidationError(errors)
    return years.pop(), overrides


@transaction.atomic(durable=True)
def calendar_import_csv(*, text: str, by: Actor, source_name: str = "") -> int:
    """Replace one year with weekends and weekdays as usual, except the holidays and make-up working
    days the file lists. Returns the year. Outermost."""
    year, overrides = parse_year_csv(text)
    was_provisional = year in _provisional_in_table()
    previous = _working_days_of(year)
    rows = []
    for day in days_of_year(year):
        working, note = overrides.get(day, (day.weekday() < 5, ""))
        rows.append((day, working, note))
    _replace_year(year, rows, DaySource.IMPORT)
    record(
        by=by,
        action="workdays.import",
        object_type="workdays.year",
        object_id=str(year),
        object_repr=f"{year} {source_name}".strip(),
        after={str(day): working for day, (working, _note) in sorted(overrides.items())},
        area_code="",
    )
    if was_provisional:
        official_year_loaded.send(sender=CalendarDay, year=year, previous_working=previous, by=by)
    return year


def _working_days_of(year: int) -> frozenset[datetime.date]:
    return frozenset(
        CalendarDay.objects.filter(date__year=year, is_working_day=True).values_list("date", flat=True)
    )


def _provisional_in_table() -> set[int]:
    return set(
        CalendarDay.objects.filter(source=DaySource.PROVISIONAL)
        .dates("date", "year")
        .values_list("date__year", flat=True)
    )


@transaction.atomic
def calendar_fill_provisional(*, by: Actor, through_year: int) -> list[int]:
    """Give the years after the last one in the table, up to ``through_year``, a provisional calendar:
    weekends and the statutory holidays, no make-up working days. Returns the years filled. May be nested."""
    last = CalendarDay.objects.order_by("-date").values_list("date", flat=True).first()
    if last is None:
        return []
    years = list(range(last.year + 1, through_year + 1))
    for year in years:
        _replace_year(year, list(provisional_rows(year)), DaySource.PROVISIONAL)
    if years:
        record(
            by=by,
            action="workdays.provisional",
            object_type="workdays.year",
            object_id=",".join(str(y) for y in years),
            object_repr=f"暂定工作日历 {years[0]}–{years[-1]}",
            after={"years": years},
            area_code="",
        )
    return years


def calendar_outlook(today: datetime.date) -> dict[str, object] | None:
    """When the official calendar runs out within WARN_DAYS: its last day and the year to load."""
    until = official_until()
    if until is None or (until - today).days > WARN_DAYS:
        return None
    return {"official_until": until, "year": until.year + 1, "days_left": max(0, (until - today).days)}


@transaction.atomic(durable=True)
def calendar_set_day(*, day: datetime.date, is_working_day: bool, note: str, by: Actor) -> CalendarDay:
    """Correct one day of a year already in the calendar. Outermost."""
    entry = CalendarDay.objects.select_for_update().filter(date=day).first()
    if entry is None:
        raise ValidationError(
            _("Date: the working-day calendar of %(year)s has not been loaded; import the whole year first.")
            % {"year": day.year}
        )
    before = {"is_working_day": entry.is_working_day, "note": entry.note}
    entry.is_working_day = is_working_day
    entry.note = note[:64]
    entry.source = DaySource.ADMIN
    entry.save()
    record(
        by=by,
        action="workdays.set_day",
        object_type="workdays.calendarday",
        object_id=str(day),
        object_repr=str(entry),
        before=before,
        after={"is_working_day": is_working_day, "note": entry.note},
        area_code="",
    )
    calendar.invalidate()
    transaction.on_commit(calendar.invalidate)
    return entry
