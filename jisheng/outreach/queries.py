"""Scoped reads of outreach: lists for the pages, the hand-offs the offices pull, and the figures
reporting counts (``rows_*``: one queryset per measure, filtered by date; reporting groups them)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet

from .models import Handoff, Visit


def handoffs(user: Any = None, *, prefix: str | None = None) -> QuerySet[Handoff]:
    """Visit problems waiting for an office, oldest due first: what was asked or promised on a visit
    and not yet taken into a ledger (``services.handoff_take``) nor settled in the village.

    ``user``: only what that user may see; ``prefix``: only this area code prefix (a system job such as
    the petitions app's sweep passes neither or a prefix). Each row carries its visit and household."""
    rows = Handoff.objects.filter(status=Handoff.Status.OPEN)
    if user is not None:
        rows = rows.visible_to(user)
    if prefix:
        rows = rows.within(prefix)
    return rows.select_related("visit", "household").order_by("due", "pk")


def visits_of_area(user: Any, *, area_prefix: str | None = None) -> QuerySet[Visit]:
    rows = Visit.objects.visible_to(user)
    if area_prefix:
        rows = rows.within(area_prefix)
    return rows.select_related("household", "handoff").order_by("-visited_on", "-pk")


def visits_between(start: datetime.date, end: datetime.date) -> QuerySet[Visit]:
    return Visit.objects.filter(visited_on__range=(start, end))
