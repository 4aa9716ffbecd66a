"""Scoped reads of outreach: lists for the pages, the hand-offs the offices pull, and the figures
reporting counts (``rows_*``: one queryset per measure, filtered by date; reporting groups them)."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.db.models import Count, DecimalField, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import (
    Campaign,
    FundEntry,
    Handoff,
    Milestone,
    Pairing,
    PrePregnancyCheck,
    Project,
    Screening,
    StockLevel,
    StockMovement,
    Visit,
)


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


# --- supplies ------------------------------------------------------------------------------------


def stock_levels(user: Any, *, prefix: str | None = None) -> list[dict[str, Any]]:
    """Stock per area and item (batches summed), with what expires within 90 days and whether it is
    short (below the item's shortage level); one grouped query."""
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=90)
    rows = StockLevel.objects.visible_to(user)
    if prefix:
        rows = rows.within(prefix)
    grouped = (
        rows.filter(quantity__gt=0)
        .order_by()
        .values("area_id", "area__name", "item_id", "item__name", "item__unit", "item__minimum")
        .annotate(
            usable=Sum("quantity", filter=Q(expires_on__isnull=True) | Q(expires_on__gte=today)),
            expiring=Sum("quantity", filter=Q(expires_on__gte=today, expires_on__lte=soon)),
            expired=Sum("quantity", filter=Q(expires_on__lt=today)),
        )
        .order_by("area_id", "item_id")
    )
    result = []
    for row in grouped:
        quantity = row["usable"] or 0
        result.append(
            {
                **row,
                "quantity": quantity,
                "expiring": row["expiring"] or 0,
                "expired": row["expired"] or 0,
                "short": quantity < row["item__minimum"],
            }
        )
    return result


def movements(user: Any) -> QuerySet[StockMovement]:
    return StockMovement.objects.visible_to(user).select_related("item", "area").order_by("-moved_on", "-pk")


# --- projects ------------------------------------------------------------------------------------


def projects_with_money(user: Any, *, year: int | None = None) -> QuerySet[Project]:
    """Projects with their fund sums and milestone counts annotated (one query)."""
    today = timezone.localdate()
    rows = Project.objects.visible_to(user)
    if year:
        rows = rows.filter(year=year)
    money = {
        kind: Subquery(
            FundEntry.objects.filter(project=OuterRef("pk"), kind=kind)
            .order_by()
            .values("project")
            .annotate(total=Sum("amount"))
            .values("total")[:1],
            output_field=DecimalField(max_digits=14, decimal_places=2),
        )
        for kind in FundEntry.Kind.values
    }
    overdue = Subquery(
        Milestone.objects.filter(project=OuterRef("pk"), done_on__isnull=True, due__lt=today)
        .order_by()
        .values("project")
        .annotate(n=Count("pk"))
        .values("n")[:1],
        output_field=IntegerField(),
    )
    zero = Value(decimal.Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))
    return (
        rows.annotate(
            fund_allocated=Coalesce(money["allocated"], zero),
            fund_spent=Coalesce(money["spent"], zero),
            fund_receipts=Coalesce(money["receipt"], zero),
            milestones_overdue=Coalesce(overdue, Value(0)),
        )
        .select_related("area")
        .order_by("-year", "area_id", "pk")
    )


def project_problems(project: Any) -> list[str]:
    """What is off with an annotated project (``projects_with_money``), in words."""
    problems = []
    if project.fund_spent > project.fund_allocated:
        problems.append(
            _("Spent %(spent)s yuan, more than the %(allocated)s allocated.")
            % {"spent": project.fund_spent, "allocated": project.fund_allocated}
        )
    if project.fund_allocated != project.allocated:
        problems.append(
            _("Allocation entries add up to %(entries)s yuan, not the %(allocated)s decided.")
            % {"entries": project.fund_allocated, "allocated": project.allocated}
        )
    if project.fund_receipts < project.fund_spent:
        problems.append(
            _("Receipts cover %(receipts)s of the %(spent)s yuan spent.")
            % {"receipts": project.fund_receipts, "spent": project.fund_spent}
        )
    if project.fund_receipts > project.fund_spent:
        problems.append(
            _("Receipts of %(receipts)s yuan are more than the %(spent)s spent.")
            % {"receipts": project.fund_receipts, "spent": project.fund_spent}
        )
    if project.milestones_overdue:
        problems.append(_("%(n)s milestones are overdue.") % {"n": project.milestones_overdue})
    return problems


def projects_off(user: Any, *, year: int | None = None) -> list[tuple[Any, list[str]]]:
    """The audit view: every project whose money or milestones are off, with what is off."""
    found = []
    for project in projects_with_money(user, year=year):
        problems = project_problems(project)
        if problems:
            found.append((project, problems))
    return found


# --- figures for reporting -----------------------------------------------------------------------


def prepregnancy_done_between(start: datetime.date, end: datetime.date) -> QuerySet[PrePregnancyCheck]:
    """Pre-pregnancy checks done in the period (one per couple and check)."""
    return PrePregnancyCheck.objects.filter(status=PrePregnancyCheck.Status.DONE, done_on__range=(start, end))


def screened_between(start: datetime.date, end: datetime.date) -> QuerySet[Screening]:
    """Cancer screenings (cervical and breast, each its own row) done in the period."""
    return Screening.objects.filter(screened_on__range=(start, end))


def invited_between(start: datetime.date, end: datetime.date) -> QuerySet[Screening]:
    return Screening.objects.filter(invited_on__range=(start, end))


def handouts_between(start: datetime.date, end: datetime.date, kind: str) -> QuerySet[StockMovement]:
    """Hand-outs of contraceptives or publicity material in the period (one row per hand-out line)."""
    return StockMovement.objects.filter(
        moved_on__range=(start, end),
        kind__in=(StockMovement.Kind.HANDOUT_PERSON, StockMovement.Kind.HANDOUT_EVENT),
        item__kind=kind,
    )


def campaigns_between(start: datetime.date, end: datetime.date) -> QuerySet[Campaign]:
    """Campaigns that began in the period (one row each; ``people_reached`` on each)."""
    return Campaign.objects.filter(starts_on__range=(start, end))


def publicity_handed_out_between(start: datetime.date, end: datetime.date) -> QuerySet[StockMovement]:
    """Hand-out lines of publicity material in the period, each with ``handed`` (copies, positive)."""
    return handouts_between(start, end, "publicity").alias(handed=-F("quantity"))


def contraceptive_handouts_between(start: datetime.date, end: datetime.date) -> QuerySet[StockMovement]:
    """Contraceptives handed out to a person in the period: one row per hand-out (人次)."""
    return handouts_between(start, end, "contraceptive").filter(kind=StockMovement.Kind.HANDOUT_PERSON)


def pairings_active_on(day: datetime.date) -> QuerySet[Pairing]:
    """Pairings in force at the end of ``day``: begun by then and not ended by then."""
    return Pairing.objects.filter(started_on__lte=day).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day))


def screening_rates(prefix: str, start: datetime.date, end: datetime.date) -> dict[str, Any]:
    """The area's screening figures for the period: invited, screened, abnormal, referred, and the rate
    screened / invited (two queries, however large the county)."""
    invited = Screening.objects.within(prefix).filter(invited_on__range=(start, end)).count()
    done = (
        Screening.objects.within(prefix)
        .filter(screened_on__range=(start, end))
        .aggregate(
            screened=Count("pk"),
            abnormal=Count("pk", filter=~Q(result__in=["", Screening.Result.NORMAL])),
            referred=Count("pk", filter=~Q(referral="")),
        )
    )
    rate = round(100 * done["screened"] / invited, 1) if invited else None
    return {"invited": invited, **done, "rate": rate}


def figures(prefix: str, start: datetime.date, end: datetime.date) -> dict[str, Any]:
    """The outreach figures of an area for a period, for its home page and the dashboard: people visited
    (households), pairings active at the end, screening, supplies handed out, projects done and spent."""
    visits = Visit.objects.within(prefix).filter(visited_on__range=(start, end))
    handed_out = (
        StockMovement.objects.within(prefix)
        .filter(
            moved_on__range=(start, end),
            kind__in=(StockMovement.Kind.HANDOUT_PERSON, StockMovement.Kind.HANDOUT_EVENT),
        )
        .aggregate(n=Sum("quantity"))["n"]
        or 0
    )
    projects = Project.objects.within(prefix).filter(year=end.year)
    money = (
        FundEntry.objects.within(prefix)
        .filter(project__year=end.year)
        .aggregate(
            allocated=Sum("amount", filter=Q(kind=FundEntry.Kind.ALLOCATED)),
            spent=Sum("amount", filter=Q(kind=FundEntry.Kind.SPENT)),
        )
    )
    return {
        "visits": visits.count(),
        "households_visited": visits.values("household_id").distinct().count(),
        "pairings_active": Pairing.objects.within(prefix).filter(status=Pairing.Status.ACTIVE).count(),
        "screening": screening_rates(prefix, start, end),
        "handed_out": -handed_out,
        "projects": projects.count(),
        "projects_done": projects.filter(status=Project.Status.DONE).count(),
        "allocated": money["allocated"] or decimal.Decimal(0),
        "spent": money["spent"] or decimal.Decimal(0),
    }
