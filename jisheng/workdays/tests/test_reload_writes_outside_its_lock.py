"""The in-memory calendar reloads every minute in every worker; a deadline counted inside a case's
transaction waits for its lock. So the reload never writes while it holds that lock (a write waits for
the database's single writer, which may be that very transaction), and writes nothing at all when next
year's calendar is already in the table."""

from __future__ import annotations

from typing import Any

import pytest

from jisheng.workdays import calendar, services
from jisheng.workdays.models import CalendarDay

pytestmark = pytest.mark.django_db


def _watch_fills(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether the calendar's lock was held at each fill."""
    held: list[bool] = []
    fill = services.calendar_fill_provisional

    def watched(**kwargs: Any) -> list[int]:
        held.append(calendar._calendar.lock.locked())
        return fill(**kwargs)

    monkeypatch.setattr(services, "calendar_fill_provisional", watched)
    return held


def test_a_missing_next_year_is_filled_before_the_lock_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    last = CalendarDay.objects.order_by("-date").values_list("date", flat=True).first()
    assert last is not None
    CalendarDay.objects.filter(date__year=last.year).delete()
    held = _watch_fills(monkeypatch)

    years = calendar.covered_years()

    assert held == [False] and last.year in years


def test_a_reload_with_next_year_in_the_table_writes_nothing(
    monkeypatch: pytest.MonkeyPatch, django_assert_num_queries: Any
) -> None:
    calendar.covered_years()  # next year filled, if it was not
    calendar.invalidate()
    held = _watch_fills(monkeypatch)

    with django_assert_num_queries(2):  # the last day in the table, then the whole table: two reads
        calendar.covered_years()

    assert held == []
