"""What the case tallies must equal, counted from the cases themselves (for the tallies' tests)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.db.models.functions import Coalesce

from jisheng.hall.models import Application, ApplicationStatus


def counted_by_status() -> dict[tuple[Any, ...], int]:
    """The cases per (village, clerk, status)."""
    rows = (
        Application.objects.order_by()
        .values("area_id", "status", clerk=Coalesce("owner_id", 0))
        .annotate(n=Count("id"))
    )
    return {(row["area_id"], row["clerk"], row["status"]): row["n"] for row in rows}


def counted_by_deadline() -> dict[tuple[Any, ...], int]:
    """The cases in progress per (village, clerk, deadline)."""
    rows = (
        Application.objects.filter(status=ApplicationStatus.RECEIVED, due_on__isnull=False)
        .order_by()
        .values("area_id", "due_on", clerk=Coalesce("owner_id", 0))
        .annotate(n=Count("id"))
    )
    return {(row["area_id"], row["clerk"], row["due_on"]): row["n"] for row in rows}
