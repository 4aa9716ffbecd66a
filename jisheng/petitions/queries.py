"""Scoped reads of the petitions app: the responsible person's list, a matter's page, a person's file
(一人一档) with its whole history, the ledger, the monthly figures and the yearly report (Art. 41)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import CharField, Count, F, Func, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from jisheng.areas.codes import code_range
from jisheng.areas.scoping import user_prefix
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
    Question,
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
    "responsible__username",
    "responsible__full_name",
    "file__name",
    "file__kind",
)
PAGE_SIZE = 25  # rows a page: the home page shows two lists, on a phone


def _unindexed(column: str, field: Any) -> Any:
    """The column as an expression no index serves (SQLite's unary ``+``; PostgreSQL plans well alone).

    A list ordered by one index and filtered on columns that have indexes of their own: without the
    ``+`` SQLite (with or without statistics for a table that grew since the last ``ANALYZE``) reads every
    matching matter through the area or status index and sorts them all for one page (1.4 s at 100,000
    matters); with it, it walks ``petitions_matter_list`` in order and stops at the page's last row."""
    if connection.vendor == "sqlite":
        return Func(F(column), template="+%(expressions)s", output_field=field)
    return F(column)


def _listed(user: Any) -> QuerySet[Matter]:
    """``Matter.objects.visible_to(user)`` for the lists: the same code range, on the unindexed column."""
    prefix = user_prefix(user)
    if prefix is None:
        return Matter.objects.none()
    return Matter.objects.alias(in_area=_unindexed("area_id", CharField())).filter(
        in_area__range=code_range(prefix)
    )


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows, its number and whether there are more (no count of all rows)."""

    rows: list[dict[str, Any]]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def page_number(raw: str | None) -> int:
    try:
        return max(1, min(int(raw or 1), 1000))
    except ValueError:
        return 1


def _labels(choices: Any) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


def _rows(matters: QuerySet[Any], page: int = 1) -> Page:
    """One page of rows as dicts, with what the template would otherwise work out per row (the limit
    running now, labels, the link, the date as text) computed here once."""
    today = timezone.localdate()
    start = (page - 1) * PAGE_SIZE
    rows = list(matters[start : start + PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    statuses, fields = _labels(MatterStatus), _labels(MatterField)
    channels, risks = _labels(Channel), _labels(RiskGrade)
    link = reverse("petitions:matter", args=[999999999])
    for row in rows:
        due = {
            MatterStatus.RECEIVED: row["accept_due"],
            MatterStatus.ACCEPTED: row["due_on"],
            MatterStatus.REVIEW_REQUESTED: row["review_due"],
            MatterStatus.REEXAM_REQUESTED: row["reexam_due"],
        }.get(row["status"])
        row["current_due"] = due
        row["due_text"] = due.isoformat() if due else ""
        row["overdue"] = due is not None and due < today
        row["status_label"] = statuses[row["status"]]
        row["field_label"] = fields[row["field"]]
        row["channel_label"] = channels[row["channel"]]
        row["risk_label"] = risks[row["risk"]]
        row["url"] = link.replace("999999999", str(row["id"]))
    return Page(rows, page, has_next)


def _mine(user: Any) -> QuerySet[Matter]:
    # the area's range on the unindexed column, or SQLite with statistics prefers the area index and a sort
    return _listed(user).filter(responsible=user, status__in=OPEN_STATUSES)


def my_open_matters(user: Any, *, page: int = 1) -> Page:
    """The responsible person's list (一责一问): open matters, the nearest limit first. Read in the order
    of the index ``petitions_matter_mine`` (responsible, due_on, accept_due, id, …), one page."""
    return _rows(my_open_queryset(user), page)


def my_open_queryset(user: Any) -> QuerySet[Matter]:
    return _mine(user).order_by(F("due_on").asc(nulls_first=True), "accept_due", "id").values(*LIST_FIELDS)


def my_counts(user: Any) -> dict[str, int]:
    """How many open matters the user answers for, and how many are past or within five days of their
    limit (one query read from the index ``petitions_matter_mine`` alone; the home card and the list's
    heading)."""
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=5)
    overdue = Q(status=MatterStatus.ACCEPTED, due_on__lt=today) | Q(
        status=MatterStatus.RECEIVED, accept_due__lt=today
    )
    due_soon = Q(status=MatterStatus.ACCEPTED, due_on__gte=today, due_on__lte=soon) | Q(
        status=MatterStatus.RECEIVED, accept_due__gte=today, accept_due__lte=soon
    )
    reviews_overdue = Q(status=MatterStatus.REVIEW_REQUESTED, review_due__lt=today) | Q(
        status=MatterStatus.REEXAM_REQUESTED, reexam_due__lt=today
    )
    reviews_soon = Q(status=MatterStatus.REVIEW_REQUESTED, review_due__gte=today, review_due__lte=soon) | Q(
        status=MatterStatus.REEXAM_REQUESTED, reexam_due__gte=today, reexam_due__lte=soon
    )
    counts = _mine(user).aggregate(
        open=Count("id"),
        overdue=Count("id", filter=overdue | reviews_overdue),
        due_soon=Count("id", filter=due_soon | reviews_soon),
    )
    return {key: value or 0 for key, value in counts.items()}


def matter_list(user: Any, *, status: str = "", q: str = "", page: int = 1) -> Page:
    """The area's matters, newest first, one page: read in the order of ``petitions_matter_list``
    (received_on, id, area, status), whose columns also answer the filters without the table."""
    return _rows(matter_list_queryset(user, status=status, q=q), page)


def matter_list_queryset(user: Any, *, status: str = "", q: str = "") -> QuerySet[Matter]:
    matters = _listed(user)
    if status == "open":
        matters = matters.alias(state=_unindexed("status", CharField())).filter(state__in=OPEN_STATUSES)
    elif status in MatterStatus.values:
        matters = matters.alias(state=_unindexed("status", CharField())).filter(state=status)
    if q:
        matters = matters.filter(Q(number=q.strip()) | Q(title__contains=q.strip()) | Q(file__name=q.strip()))
    return matters.order_by("-received_on", "-id").values(*LIST_FIELDS)


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


def ledger_list(
    user: Any, *, status: str = "", outing: int | None = None, mine: bool = False, overdue: bool = False
) -> QuerySet[LedgerItem]:
    """The ledger in the user's area, nearest deadline first; ``mine``: the items the user answers for;
    ``overdue``: open items past their deadline."""
    items = LedgerItem.objects.visible_to(user).select_related("responsible")
    if status in LedgerStatus.values:
        items = items.filter(status=status)
    if mine:
        items = items.filter(responsible=user)
    if overdue:
        items = items.filter(status=LedgerStatus.OPEN, deadline__lt=timezone.localdate())
    if outing is not None:
        items = items.filter(outing_id=outing)
    return items.order_by("deadline", "id")


def my_ledger_counts(user: Any) -> dict[str, int]:
    """The ledger items the user answers for: open, and open past their deadline (one query)."""
    counts = (
        LedgerItem.objects.visible_to(user)
        .filter(responsible=user, status=LedgerStatus.OPEN)
        .aggregate(open=Count("id"), overdue=Count("id", filter=Q(deadline__lt=timezone.localdate())))
    )
    return {key: value or 0 for key, value in counts.items()}


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


def survey_figures(survey: Survey, questions: list[Question] | None = None) -> list[dict[str, Any]]:
    """Counts and percentages per question and choice (three grouped queries whatever the forms). A
    question of one choice: the share of those who answered it; of several choices: the share of those
    who answered it that ticked each choice (the shares add up to more than 100); a written answer: how
    many wrote one, and the latest ten."""
    answers = Answer.objects.filter(question__survey=survey)
    counts: dict[tuple[int, int | None], int] = {
        (question_id, choice): n
        for question_id, choice, n in answers.values_list("question_id", "choice")
        .annotate(n=Count("id"))
        .order_by()
    }
    respondents = dict(
        answers.values_list("question_id").annotate(n=Count("response", distinct=True)).order_by()
    )
    texts: dict[int, list[str]] = {}
    for question_id, text in (
        answers.filter(choice__isnull=True).order_by("-id").values_list("question_id", "text")[:200]
    ):
        if len(texts.setdefault(question_id, [])) < 10:
            texts[question_id].append(text)
    result = []
    for question in questions if questions is not None else list(survey.questions.all()):
        total = respondents.get(question.pk, 0)
        result.append(
            {
                "position": question.position,
                "text": question.text,
                "kind": question.kind,
                "total": total,
                "texts": texts.get(question.pk, []),
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
