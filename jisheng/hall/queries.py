"""Non-trivial reads of the hall: work queues, the public pledge page's on-time rates, question counts."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from jisheng.areas.models import Area

from .models import Application, Consultation, QaEntry, ServiceItem
from .models.cases import OPEN_STATUSES

# Only what a queue row shows (hall/_rows.html): building model instances of whole cases, items and
# users was most of the page's time at 100,000 open cases.
QUEUE_FIELDS = (
    "number",
    "applicant_name",
    "status",
    "due_on",
    "warned_on",
    "overdue_recorded",
    "area",
    "office",
    "item__name",
    "owner__username",
    "owner__full_name",
)


def open_cases(user: Any, *, mine: bool = False) -> QuerySet[Application]:
    cases = Application.objects.visible_to(user).filter(status__in=OPEN_STATUSES)
    return cases.filter(owner=user) if mine else cases


def work_queue(user: Any, *, mine: bool = False, limit: int = 100) -> list[Application]:
    """Open cases the user may see: in progress by nearest deadline, then those waiting for the applicant.

    Two queries on purpose: each is an equality on status followed by the deadline order, which the
    (owner, status, due_on) and (status, due_on) indexes deliver without sorting 100,000 open cases.
    """
    result: list[Application] = []
    for status in OPEN_STATUSES:
        cases = Application.objects.visible_to(user).filter(status=status)
        if mine:
            cases = cases.filter(owner=user)
        cases = cases.select_related("item", "owner").only(*QUEUE_FIELDS).order_by("due_on", "id")
        result.extend(cases[: limit - len(result)])
        if len(result) >= limit:
            break
    return result


def cases_due_between(start: datetime.date, end: datetime.date) -> QuerySet[Application]:
    """Cases whose deadline fell in [start, end], whatever became of them: what a reporting period's
    on-time rate (按时办结率) counts. Those with ``on_time`` set were finished by their deadline; a case
    still open past its deadline counts as due and not on time."""
    return Application.objects.filter(due_on__range=(start, end))


def effective_items(on: datetime.date | None = None) -> QuerySet[ServiceItem]:
    on = on or timezone.localdate()
    return ServiceItem.objects.filter(effective_from__lte=on).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=on)
    )


def office_pledges(today: datetime.date | None = None) -> list[dict[str, Any]]:
    """Each township office: cases finished in the last 12 months and the share finished on time."""
    today = today or timezone.localdate()
    since = today - datetime.timedelta(days=365)
    rows = (
        Application.objects.filter(completed_on__gte=since)
        .values("office_id")
        .annotate(done=Count("id"), on_time=Count("id", filter=Q(on_time=True)))
    )
    stats = {row["office_id"]: row for row in rows}
    offices = Area.objects.filter(code__in=list(stats) or [""]).order_by("code")
    result = []
    for office in offices:
        row = stats[office.code]
        result.append(
            {
                "office": office,
                "done": row["done"],
                "on_time": row["on_time"],
                "rate": round(100 * row["on_time"] / row["done"], 1),
            }
        )
    return result


def search_questions(query: str) -> QuerySet[QaEntry]:
    entries = QaEntry.objects.all()
    for word in query.split():
        entries = entries.filter(
            Q(question__icontains=word)
            | Q(answer__icontains=word)
            | Q(keywords__icontains=word)
            | Q(source__icontains=word)
        )
    return entries


def common_questions(user: Any, limit: int = 10) -> list[dict[str, Any]]:
    rows = (
        Consultation.objects.visible_to(user)
        .values("entry__question")
        .annotate(times=Count("id"))
        .order_by("-times")[:limit]
    )
    return [dict(row) for row in rows]
