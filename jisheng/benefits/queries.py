"""Scoped reads for the benefit pages: the areas a user may run a programme over, and the report
(households, persons and yuan per programme, year and area) built from the batches' lines."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from jisheng.areas.models import Area

from .models import Batch, Line, Payment
from .rules import programmes


def areas_for(user: Any) -> list[Area]:
    """The user's area and every township below it (villages are reached through the township)."""
    own = user.area
    below = (
        Area.objects.filter(code__startswith=own.prefix, level__lte=4).exclude(code=own.code).order_by("code")
    )
    return [own, *below]


@dataclass
class ReportRow:
    programme_id: str
    programme_name: str
    year: int
    area_code: str
    area_name: str = ""
    households: int = 0
    persons: int = 0
    total: Decimal = Decimal("0.00")
    paid: Decimal = Decimal("0.00")
    reported: dict[str, Any] = field(default_factory=dict)


def _live_lines(user: Any) -> Any:
    return (
        Line.objects.visible_to(user)
        .exclude(status=Line.Status.WITHDRAWN)
        .exclude(batch__status=Batch.Status.REJECTED)
    )


def report_rows(
    user: Any, *, year: int | None = None, programme_id: str = "", group_length: int = 9
) -> list[ReportRow]:
    """One row per programme, year and area (townships by default): households (distinct household,
    or the person where none is recorded), persons, the amount approved or proposed, and what is paid."""
    lines = _live_lines(user)
    if year:
        lines = lines.filter(batch__year=year)
    if programme_id:
        lines = lines.filter(batch__programme_id=programme_id)
    rows: dict[tuple[str, int, str], ReportRow] = {}
    households: dict[tuple[str, int, str], set[int]] = defaultdict(set)
    persons: dict[tuple[str, int, str], set[int]] = defaultdict(set)
    names = {p.id: p.name for p in programmes().values()}
    for programme, batch_year, area_code, household, person, amount in lines.values_list(
        "batch__programme_id", "batch__year", "area_id", "household_id", "person_id", "amount"
    ).iterator(chunk_size=5000):
        key = (programme, batch_year, area_code[:group_length].ljust(12, "0"))
        row = rows.get(key)
        if row is None:
            row = rows[key] = ReportRow(programme, names.get(programme, programme), batch_year, key[2])
        row.total += amount
        households[key].add(household if household is not None else -person)
        persons[key].add(person)
    paid = (
        Payment.objects.visible_to(user)
        .filter(status=Payment.Status.PAID)
        .values_list("programme_id", "period", "area_id")
        .annotate(total=Sum("amount"))
    )
    for programme, period, area_code, total in paid:
        key = (programme, int(period), area_code[:group_length].ljust(12, "0"))
        if key in rows:
            rows[key].paid += total
    area_names = dict(Area.objects.filter(code__in=[k[2] for k in rows]).values_list("code", "name"))
    for key, row in rows.items():
        row.households = len(households[key])
        row.persons = len(persons[key])
        row.area_name = area_names.get(key[2], key[2])
    return sorted(rows.values(), key=lambda r: (r.year, r.programme_id, r.area_code))


def seed_table(user: Any, year: int = 2013) -> list[ReportRow]:
    """The seed 000 table (programme, households, total yuan) for the year, from the system's own lines
    beside the figures the seed reports (kept in each rule file's ``reported``)."""
    totals = {r.programme_id: r for r in report_rows(user, year=year, group_length=0)}
    result = []
    for programme in programmes().values():
        if programme.reported.get("year") != year:
            continue
        row = totals.get(programme.id) or ReportRow(programme.id, programme.name, year, "")
        row.reported = programme.reported
        result.append(row)
    return result


def waiting_counts(user: Any) -> dict[str, int]:
    """Batches waiting for the steps this user can take (for the home cards)."""
    batches = Batch.objects.visible_to(user)
    counts = batches.aggregate(
        proposed=Count("id", filter=Q(status=Batch.Status.PROPOSED)),
        notice=Count("id", filter=Q(status=Batch.Status.NOTICE)),
        reviewed=Count("id", filter=Q(status=Batch.Status.REVIEWED)),
        approved=Count("id", filter=Q(status__in=[Batch.Status.APPROVED, Batch.Status.PAYING])),
    )
    return {key: value or 0 for key, value in counts.items()}


def batches_for(user: Any) -> Any:
    """Batches of the user's area, and township batches with lines in the user's village: a village
    officer posts the notice and records objections for their own lines of a township-wide batch."""
    own = Batch.objects.visible_to(user).values("pk")
    with_my_lines = Line.objects.visible_to(user).values("batch_id")
    return Batch.objects.filter(Q(pk__in=own) | Q(pk__in=with_my_lines))


def batch_for_or_404(user: Any, pk: int) -> Batch:
    from django.http import Http404

    batch = batches_for(user).select_related("area").filter(pk=pk).first()
    if batch is None:
        raise Http404("Not found, or outside your area.")
    return batch
