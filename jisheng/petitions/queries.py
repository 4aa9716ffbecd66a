"""Scoped reads of the petitions app: the responsible person's list, a matter's page, a person's file
(一人一档) with its whole history, the ledger, the monthly figures and the yearly report (Art. 41)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from jisheng.hall import queries as hall_queries

from .models import (
    OPEN_STATUSES,
    Answer,
    Channel,
    LedgerItem,
    LedgerStatus,
    Matter,
    MatterField,
    MatterStatus,
    PetitionerFile,
    RiskGrade,
    Survey,
    SurveyResponse,
)

LIST_FIELDS = (
    "id",
    "number",
    "title",
    "kind",
    "field",
    "channel",
    "status",
    "risk",
    "received_on",
    "accept_due",
    "due_on",
    "review_due",
    "reexam_due",
    "warned_on",
    "overdue_recorded",
    "area__name",
    "responsible__username",
    "responsible__full_name",
    "file__name",
    "file__kind",
)
PAGE_SIZE = 50


def _rows(matters: QuerySet[Matter]) -> list[dict[str, Any]]:
    today = timezone.localdate()
    rows = list(matters.values(*LIST_FIELDS)[:PAGE_SIZE])
    for row in rows:
        due = {
            MatterStatus.RECEIVED: row["accept_due"],
            MatterStatus.ACCEPTED: row["due_on"],
            MatterStatus.REVIEW_REQUESTED: row["review_due"],
            MatterStatus.REEXAM_REQUESTED: row["reexam_due"],
        }.get(row["status"])
        row["current_due"] = due
        row["overdue"] = due is not None and due < today
        row["status_label"] = MatterStatus(row["status"]).label
        row["field_label"] = MatterField(row["field"]).label
        row["channel_label"] = Channel(row["channel"]).label
        row["risk_label"] = RiskGrade(row["risk"]).label
    return rows


def my_open_matters(user: Any) -> list[dict[str, Any]]:
    """The responsible person's list (一责一问): open matters, the nearest limit first."""
    matters = (
        Matter.objects.visible_to(user)
        .filter(responsible=user, status__in=OPEN_STATUSES)
        .order_by(F("due_on").asc(nulls_first=True), "accept_due", "id")
    )
    return _rows(matters)


def matter_list(user: Any, *, status: str = "", q: str = "") -> list[dict[str, Any]]:
    matters = Matter.objects.visible_to(user)
    if status == "open":
        matters = matters.filter(status__in=OPEN_STATUSES)
    elif status in MatterStatus.values:
        matters = matters.filter(status=status)
    if q:
        matters = matters.filter(Q(number=q.strip()) | Q(title__contains=q.strip()) | Q(file__name=q.strip()))
    return _rows(matters.order_by("-received_on", "-id"))


def matter_for_page(user: Any, pk: int) -> Matter:
    from jisheng.areas.scoping import get_visible_or_404

    return get_visible_or_404(
        Matter.objects.select_related(
            "file",
            "area",
            "responsible",
            "accepted_by",
            "extension_requested_by",
            "extension_approved_by",
            "reviewed_by",
            "repeat_of",
        ),
        user,
        pk=pk,
    )


def matter_details(matter: Matter) -> dict[str, Any]:
    """What a matter's page shows beside the matter: history, meetings with photos, attachments."""
    attachments = list(matter.attachments.defer("data"))
    return {
        "events": list(matter.events.all()),
        "meetings": list(matter.meetings.select_related("recorded_by")),
        "attachments": attachments,
        "accountability": list(hall_queries.accountability_of_subjects(_subjects(matter))),
    }


def _subjects(matter: Matter) -> list[str]:
    return [matter.subject, f"{matter.subject}:复查", f"{matter.subject}:复核"]


def possible_repeats(file: PetitionerFile) -> QuerySet[Matter]:
    """The file's earlier matters a new petition may repeat (the clerk chooses; Art. 19)."""
    return Matter.objects.filter(file=file).exclude(status=MatterStatus.REFUSED).order_by("-received_on")


def file_history(file: PetitionerFile, user: Any) -> list[dict[str, Any]]:
    """一人一档: every matter with its events, survey answers, ledger items and the hall's bad ratings,
    oldest first."""
    entries: list[dict[str, Any]] = []
    matters = list(Matter.objects.visible_to(user).filter(file=file).prefetch_related("events"))
    for matter in matters:
        for event in matter.events.all():
            entries.append({"at": event.at, "what": matter.number, "text": event.text, "matter": matter})
    for response in SurveyResponse.objects.filter(file=file).select_related("survey"):
        entries.append({"at": response.at, "what": "问卷", "text": response.survey.title, "matter": None})
    for item in LedgerItem.objects.filter(file=file):
        entries.append({"at": item.created_at, "what": "整改台账", "text": item.title, "matter": None})
    if file.person_id is not None:
        for rating in hall_queries.bad_ratings_of_person(file.person_id):
            entries.append(
                {
                    "at": rating.created_at,
                    "what": "差评",
                    "text": f"{rating.application.number} {rating.get_level_display()} {rating.comment}",
                    "matter": None,
                }
            )
    entries.sort(key=lambda e: e["at"])
    return entries


def ledger_list(user: Any, *, status: str = "", outing: int | None = None) -> QuerySet[LedgerItem]:
    items = LedgerItem.objects.visible_to(user).select_related("responsible")
    if status in LedgerStatus.values:
        items = items.filter(status=status)
    if outing is not None:
        items = items.filter(outing_id=outing)
    return items.order_by("deadline", "id")


# --- figures


def _month_range(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    start = datetime.date(year, month, 1)
    end = (start + datetime.timedelta(days=32)).replace(day=1)
    return start, end


def figures(matters: QuerySet[Matter], start: datetime.date, end: datetime.date) -> dict[str, Any]:
    """Received by channel and field, finished on time, overdue, satisfaction, for matters received
    in [start, end). A handful of grouped queries whatever the number of matters."""
    received = matters.filter(received_on__gte=start, received_on__lt=end)
    by_channel = dict(received.values_list("channel").annotate(n=Count("id")).order_by())
    by_field = dict(received.values_list("field").annotate(n=Count("id")).order_by())
    by_office = dict(received.values_list("area__name").annotate(n=Count("id")).order_by())
    totals = received.aggregate(
        total=Count("id"),
        replied=Count("id", filter=Q(replied_on__isnull=False)),
        on_time=Count("id", filter=Q(replied_on__isnull=False, replied_on__lte=F("due_on"))),
        overdue=Count("id", filter=Q(overdue_recorded=True)),
        refused=Count("id", filter=Q(status=MatterStatus.REFUSED)),
        rated=Count("id", filter=~Q(satisfaction="")),
        satisfied=Count("id", filter=Q(satisfaction__in=["satisfied", "basically_satisfied"])),
        reviews=Count("id", filter=Q(review_requested_on__isnull=False)),
    )
    return {
        **totals,
        "by_channel": {str(c.label): by_channel.get(c.value, 0) for c in Channel},
        "by_field": {str(f.label): by_field.get(f.value, 0) for f in MatterField},
        "by_office": by_office,
        "on_time_rate": round(100 * totals["on_time"] / totals["replied"], 1) if totals["replied"] else None,
        "satisfaction_rate": round(100 * totals["satisfied"] / totals["rated"], 1)
        if totals["rated"]
        else None,
    }


def monthly_figures(user: Any, year: int, month: int) -> dict[str, Any]:
    start, end = _month_range(year, month)
    return figures(Matter.objects.visible_to(user), start, end)


def yearly_report(user: Any, year: int) -> dict[str, Any]:
    """Art. 41: the year's figures by field and by office, with the ledger's state."""
    data = figures(Matter.objects.visible_to(user), datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1))
    ledger = LedgerItem.objects.visible_to(user).filter(created_at__year=year)
    data["ledger"] = ledger.aggregate(
        items=Count("id"),
        closed=Count("id", filter=Q(status=LedgerStatus.CLOSED)),
        escalated=Count("id", filter=Q(escalated_on__isnull=False)),
    )
    data["year"] = year
    return data


def screening_list(area: Any, month: datetime.date) -> list[Matter]:
    """矛盾纠纷排查: the township's open matters of high or medium risk, and every open petition older
    than the month's start, as the monthly list to review."""
    start = month.replace(day=1)
    return list(
        Matter.objects.within(area.code)
        .filter(status__in=OPEN_STATUSES)
        .filter(risk__in=[RiskGrade.HIGH, RiskGrade.MEDIUM])
        .select_related("file", "responsible")
        .order_by("risk", "received_on")
        .filter(received_on__lt=(start + datetime.timedelta(days=32)).replace(day=1))
    )


def survey_figures(survey: Survey) -> list[dict[str, Any]]:
    """Counts and percentages per question and choice (one grouped query)."""
    from django.db.models import Count

    counts: dict[tuple[int, int], int] = {}
    for question_id, choice, n in (
        Answer.objects.filter(question__survey=survey)
        .values_list("question_id", "choice")
        .annotate(n=Count("id"))
    ):
        counts[(question_id, choice)] = n
    result = []
    for question in survey.questions.all():
        total = sum(counts.get((question.pk, i), 0) for i in range(len(question.choices)))
        result.append(
            {
                "position": question.position,
                "text": question.text,
                "total": total,
                "choices": [
                    {
                        "label": label,
                        "count": counts.get((question.pk, i), 0),
                        "percent": round(100 * counts.get((question.pk, i), 0) / total, 1) if total else 0.0,
                    }
                    for i, label in enumerate(question.choices)
                ],
            }
        )
    return result


# --- the reporting app's measures (rows counted by the matter's office, ``area_id``)


def matters_received_between(start: datetime.date, end: datetime.date) -> QuerySet[Matter]:
    """Matters received in [start, end] (both days included, as the reporting periods count)."""
    return Matter.objects.filter(received_on__range=(start, end))


def matters_due_between(start: datetime.date, end: datetime.date) -> QuerySet[Matter]:
    """Accepted matters whose limit (with an approved extension) fell in [start, end], whatever became of
    them: a matter still open past its limit counts as due and not on time."""
    return Matter.objects.filter(due_on__range=(start, end))


def matters_on_time_between(start: datetime.date, end: datetime.date) -> QuerySet[Matter]:
    return matters_due_between(start, end).filter(replied_on__isnull=False, replied_on__lte=F("due_on"))
