"""Deadlines counted on a provisional year's calendar, recomputed when its official calendar is loaded."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from jisheng.audit.services import record
from jisheng.core.actor import Actor
from jisheng.workdays import services as workdays

from ..models import Application
from ..models.cases import OPEN_STATUSES
from . import tell
from .common import event


def deadlines_recompute(*, year: int, previous_working: frozenset[datetime.date], by: Actor) -> int:
    """Runs inside the import's transaction (the calendar's ``official_year_loaded`` signal): may be nested.

    A case keeps the number of working days it had between its acceptance (or the year's start) and
    its deadline; the official calendar places that many working days again. Returns the cases moved.
    """
    first = datetime.date(year, 1, 1)
    last = datetime.date(year, 12, 31)
    cases = (
        Application.objects.select_for_update(of=("self",))
        .filter(status__in=OPEN_STATUSES, due_on__gte=first)
        .select_related("area", "owner", "item")
    )
    moved = []
    for case in cases:
        old = case.due_on
        assert old is not None
        start = max(case.accepted_on, first - datetime.timedelta(days=1))
        low, high = max(start, first - datetime.timedelta(days=1)), min(old, last)
        official_in_year = workdays.working_days_between(low, high)
        provisional_in_year = sum(1 for day in previous_working if low < day <= high)
        count = workdays.working_days_between(start, old) - official_in_year + provisional_in_year
        new = workdays.add_working_days(start, count)
        if new == old:
            continue
        case.due_on = new
        case.save(update_fields=["due_on"])
        event(case, f"正式工作日历已导入，办结时限由 {old:%Y-%m-%d} 调整为 {new:%Y-%m-%d}")
        tell.deadline_changed(case, old, new, by=by)
        moved.append({"number": case.number, "before": str(old), "after": str(new)})
    if moved:
        record(
            by=by,
            action="hall.deadlines_recompute",
            object_type="hall.sweep",
            object_id=f"{year}:{timezone.localdate()}",
            object_repr=f"{year} 年正式工作日历导入，调整办结时限 {len(moved)} 件",
            after={"cases": moved},
            area_code="",
        )
    return len(moved)


def on_official_year_loaded(
    sender: Any, *, year: int, previous_working: Any, by: Actor, **kwargs: Any
) -> None:
    deadlines_recompute(year=year, previous_working=frozenset(previous_working), by=by)
