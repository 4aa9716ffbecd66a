"""Non-trivial reads of the hall: work queues, the public pledge page's on-time rates, question counts."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, cast

from django.db import connections
from django.db.models import Count, F, Func, IntegerField, Q, QuerySet
from django.db.models.lookups import Range
from django.utils import timezone

from jisheng.areas.models import Area
from jisheng.areas.scoping import user_prefix
from jisheng.core.kept_statements import KeptStatements, Statement, compile_statement
from jisheng.core.planner import fixed_rows

from .models import (
    Application,
    ApplicationStatus,
    CaseDeadlineTally,
    CaseTally,
    Consultation,
    QaEntry,
    ServiceItem,
)
from .models.cases import OPEN_STATUSES, applicant_id_tail_index

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
    "time_limit",
    "item__name",
    "owner__username",
    "owner__full_name",
)


DUE_CHOICES = ("overdue", "today", "warned")


@dataclass(frozen=True)
class QueueFilter:
    """What the clerk narrowed the work list to; empty fields filter nothing."""

    q: str = ""
    item: str = ""
    status: str = ""
    due: str = ""
    due_by: datetime.date | None = None

    @property
    def active(self) -> bool:
        return bool(self.q or self.item or self.status or self.due or self.due_by)


def open_cases(user: Any, *, mine: bool = False) -> QuerySet[Application]:
    cases = Application.objects.visible_to(user).filter(status__in=OPEN_STATUSES)
    return cases.filter(owner=user) if mine else cases


def _scope_tested_in_index(cases: QuerySet[Application]) -> QuerySet[Application]:
    """The same cases, with the scope's area range kept out of SQLite's choice of index.

    SQLite without STAT4 guesses that any range of village codes holds a small share of the rows, so it
    reads the queue through an index led by the area and sorts every open case of the scope, even when
    (as in a township whose cases are all open in one village) that is all of them. Written as
    ``+area_id`` (SQLite's no-op that hides a column from index selection) the range is still applied,
    to the area stored in the (status, due_on, area) and (owner, status, due_on, area) indexes, and the
    rows come from those indexes in deadline order, with or without ANALYZE statistics. Other databases
    plan from real statistics and get the queryset unchanged.
    """
    if connections[cases.db].vendor != "sqlite":
        return cases
    cases = cases.all()
    where = cases.query.where
    area = Application._meta.get_field("area")
    for index, child in enumerate(where.children):
        if isinstance(child, Range) and getattr(child.lhs, "target", None) is area:
            hidden = Func(child.lhs, template="+%(expressions)s", output_field=child.lhs.output_field)
            where.children[index] = cast(Any, Range(hidden, child.rhs))
    return cases


def queue_counts(user: Any, today: datetime.date | None = None) -> dict[str, int]:
    """The figures of the queue's header and of the home card, in one query, so the two always agree.

    Overdue: in progress with the deadline passed; due today: in progress with today's deadline; a case
    waiting for the applicant's correction has its clock stopped and is neither.

    One statement of seven scalar sub-queries, each a sum over a tally the database's triggers keep:
    open, waiting and mine over ``models.CaseTally`` (a row per village, clerk and status), overdue and
    due today over ``models.CaseDeadlineTally`` (a row per village, clerk and deadline of the cases in
    progress, the rows before or on today). The cases' table is not read, so the figures cost the same
    at 100,000 open cases as at ten, whatever statistics the planner has.
    """
    today = today or timezone.localdate()
    if not getattr(user, "is_authenticated", False):
        return dict.fromkeys(COUNT_NAMES, 0)
    prefix = user_prefix(user)
    if prefix is None:  # a user who may see no area (visible_to gives no row)
        return dict.fromkeys(COUNT_NAMES, 0)
    db = Application.objects.db
    # The statement depends only on the database, the scope's area prefix, the user and the day: made
    # once and kept, since compiling its seven sub-queries cost more than running them.
    key = (db, prefix, user.pk, today)
    statement = _count_statements.get(key)
    if statement is None:
        statement = _count_statement(user, today, db)
        if len(_count_statements) >= 512:
            _count_statements.clear()
        _count_statements[key] = statement
    sql, params = statement
    # Seven sums over small tallies took longer to plan than to run: planned once a connection.
    (row,) = fixed_rows(connections[db], sql, params)
    return {name: int(value or 0) for name, value in zip(COUNT_NAMES, row, strict=True)}


COUNT_NAMES = ("open", "overdue", "due_today", "awaiting", "mine", "mine_overdue", "mine_due_today")
_count_statements: dict[tuple[Any, ...], tuple[str, list[Any]]] = {}


def _count_statement(user: Any, today: datetime.date, db: str) -> tuple[str, list[Any]]:
    # Sums over the tallies the database keeps (models.CaseTally, models.CaseDeadlineTally); the
    # deadline figures depend on the day, which is part of the kept statement's key.
    tally = CaseTally.objects.visible_to(user)
    deadlines = CaseDeadlineTally.objects.visible_to(user)
    total = Func(F("cases"), template="COALESCE(SUM(%(expressions)s), 0)", output_field=IntegerField())
    figures: dict[str, QuerySet[Any]] = {
        "open": tally.filter(status__in=OPEN_STATUSES).values(n=total),
        "overdue": deadlines.filter(due_on__lt=today).values(n=total),
        "due_today": deadlines.filter(due_on=today).values(n=total),
        "awaiting": tally.filter(status=ApplicationStatus.AWAITING_CORRECTION).values(n=total),
        "mine": tally.filter(owner_key=user.pk, status__in=OPEN_STATUSES).values(n=total),
        "mine_overdue": deadlines.filter(owner_key=user.pk, due_on__lt=today).values(n=total),
        "mine_due_today": deadlines.filter(owner_key=user.pk, due_on=today).values(n=total),
    }
    assert tuple(figures) == COUNT_NAMES
    parts: list[str] = []
    params: list[Any] = []
    for name, counted in figures.items():
        sql, sub_params = counted.order_by().query.get_compiler(using=db).as_sql()
        parts.append(f"({sql}) AS {connections[db].ops.quote_name(name)}")
        params.extend(sub_params)
    return "SELECT " + ", ".join(parts), params


def _id_condition(cases: QuerySet[Application], digits: str) -> Q:
    """The cases whose applicant's ID number is ``digits`` or ends with it.

    The number is sealed, so it is compared whole only: the whole number by equality; its last four
    characters through the keyed tail index (``applicant_id_tail``); a longer run from the end (5 to 17
    characters) narrowed by its last four, then checked on the opened numbers of those few cases. A run
    from the start or the middle of a number (its area code, a birth date) finds nothing.
    """
    if len(digits) < 4:
        return Q(pk__in=[])
    if len(digits) >= 18:
        return Q(applicant_id_number=digits)
    tail = Q(applicant_id_tail=applicant_id_tail_index(digits[-4:]))
    if len(digits) == 4:
        return tail
    same_tail = cases.filter(tail).values_list("pk", "applicant_id_number")
    return Q(pk__in=[pk for pk, number in same_tail if number.endswith(digits)])


def _filtered(cases: QuerySet[Application], how: QueueFilter, today: datetime.date) -> QuerySet[Application]:
    words = how.q.split()
    for word in words:
        condition = Q(applicant_name__icontains=word) | Q(number__icontains=word.upper())
        digits = word.upper()
        if digits[:-1].isdigit() and (digits[-1].isdigit() or digits[-1] == "X"):
            # ID digits: the clerk types the tail they read off a masked ID, or the whole number.
            condition |= _id_condition(cases, digits)
        cases = cases.filter(condition)
    if how.item:
        cases = cases.filter(item__code=how.item)
    if how.due == "overdue":
        cases = cases.filter(status=ApplicationStatus.RECEIVED, due_on__lt=today)
    elif how.due == "today":
        cases = cases.filter(status=ApplicationStatus.RECEIVED, due_on=today)
    elif how.due == "warned":
        cases = cases.filter(status=ApplicationStatus.RECEIVED, warned_on__isnull=False)
    if how.due_by is not None:
        cases = cases.filter(due_on__lte=how.due_by)
    return cases


def _queue_cases(user: Any, status: str, *, mine: bool, how: QueueFilter) -> QuerySet[Application]:
    """One status of the queue, in its index's order: an equality on status followed by the deadline
    order (then the village, then the case), which the (owner, status, due_on, area) and (status,
    due_on, area) indexes deliver in order, the scope's area tested in the index, without sorting
    100,000 open cases."""
    cases: QuerySet[Application] = _scope_tested_in_index(
        Application.objects.visible_to(user).filter(status=status)
    )
    if mine:
        cases = cases.filter(owner=user)
    return _filtered(cases, how, timezone.localdate()).order_by("due_on", "area_id", "id")


def _statuses(how: QueueFilter) -> list[str]:
    return [s for s in OPEN_STATUSES if not how.status or s == how.status]


def work_queue(
    user: Any, *, mine: bool = False, limit: int = 100, how: QueueFilter | None = None
) -> list[Application]:
    """Open cases the user may see: in progress by nearest deadline, then those waiting for the applicant.

    Two queries on purpose (one per status, see ``_queue_cases``). The cases are model instances (the
    API's list); the queue page reads the lighter ``queue_rows``, the same cases in the same order.
    """
    how = how or QueueFilter()
    today = timezone.localdate()
    result: list[Application] = []
    for status in _statuses(how):
        cases = _queue_cases(user, status, mine=mine, how=how)
        cases = cases.select_related("item", "owner").only(*QUEUE_FIELDS)
        result.extend(cases[: limit - len(result)])
        if len(result) >= limit:
            break
    for case in result:
        case.overdue_now = bool(  # type: ignore[attr-defined]
            case.status == ApplicationStatus.RECEIVED and case.due_on and case.due_on < today
        )
        case.due_today = bool(  # type: ignore[attr-defined]
            case.status == ApplicationStatus.RECEIVED and case.due_on == today
        )
    return result


class QueueItem:
    """The service item of a queue row: its name is all a row shows."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


@dataclass(slots=True)
class QueueRow:
    """What a row of the queue page shows (hall/_rows.html), read as plain values: building model
    instances of 100 cases, their items and clerks was most of the page's time."""

    pk: int
    number: str
    applicant_name: str
    status: str
    due_on: datetime.date | None
    warned_on: datetime.date | None
    overdue_recorded: bool
    time_limit: int
    item: QueueItem
    owner: str  # the responsible clerk's name as User.__str__ gives it; "" for none
    overdue_now: bool
    due_today: bool
    # The columns as read: with the day, everything the row shows depends on (its drawing is kept by it).
    raw: tuple[Any, ...] | None = None


# The columns of a QueueRow, in the order the statement reads them.
_ROW_COLUMNS = (
    "pk",
    "number",
    "applicant_name",
    "status",
    "due_on",
    "warned_on",
    "overdue_recorded",
    "time_limit",
    "item__name",
    "owner__full_name",
    "owner__username",
)
_row_statements = KeptStatements(bound=512)


def _as_date(value: Any) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


def _row_statement(user: Any, status: str, *, mine: bool, how: QueueFilter, limit: int) -> Statement:
    """The statement of one status's rows. Without filters it depends only on the database, the
    scope's area prefix, the clerk (for their own list), the status and the limit, so it is compiled
    once and kept: compiling it cost more than running it. A filtered list is compiled each time."""
    db = Application.objects.db

    def build(_key: None) -> QuerySet[Any]:
        return _queue_cases(user, status, mine=mine, how=how).values_list(*_ROW_COLUMNS)[:limit]

    if how.active:
        return compile_statement(build, using=db)
    return _row_statements.statement(
        (user_prefix(user), user.pk if mine else None, status, limit), build, using=db
    )


def queue_rows(
    user: Any, *, mine: bool = False, limit: int = 100, how: QueueFilter | None = None
) -> list[QueueRow]:
    """The queue page's rows: ``work_queue``'s cases (the same scope, filters, order and limit) as
    ``QueueRow`` values, each status's statement run as kept SQL."""
    how = how or QueueFilter()
    if user_prefix(user) is None:
        return []
    today = timezone.localdate()
    received = ApplicationStatus.RECEIVED
    items: dict[str, QueueItem] = {}
    result: list[QueueRow] = []
    for status in _statuses(how):
        # A kept (unfiltered) list's values never change: planned once a connection, for them.
        fetched = _row_statement(user, status, mine=mine, how=how, limit=limit).rows(prepare=not how.active)
        for raw in fetched:
            pk, number, name, state, due, warned, recorded, time_limit, item, full_name, username = raw
            due_on = _as_date(due)
            in_progress = state == received and due_on is not None
            result.append(
                QueueRow(
                    pk=pk,
                    number=number,
                    applicant_name=name,
                    status=state,
                    due_on=due_on,
                    warned_on=_as_date(warned),
                    overdue_recorded=bool(recorded),
                    time_limit=time_limit,
                    item=items.get(item) or items.setdefault(item, QueueItem(item)),
                    owner=(full_name or username) if username is not None else "",
                    overdue_now=in_progress and due_on is not None and due_on < today,
                    due_today=in_progress and due_on == today,
                    raw=raw,
                )
            )
        # Each status reads up to the whole limit (so its statement is the same whatever the first
        # status found) and the list is cut to the limit: the rows are those of work_queue.
        if len(result) >= limit:
            break
    return result[:limit]


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


def accountability_of_subjects(subjects: list[str]) -> QuerySet[Any]:
    """Accountability records another app recorded through the hall's hook (``rules.accountability_record_many``)."""
    from .models import Accountability

    return Accountability.objects.filter(subject__in=subjects).select_related("responsible")


def bad_ratings_of_person(person_id: int) -> QuerySet[Any]:
    """The bad ratings (差评) a person gave the hall's cases, for their file elsewhere (一人一档)."""
    from .models import Rating, RatingLevel

    return Rating.objects.filter(
        application__person_id=person_id, level__lte=RatingLevel.DISSATISFIED
    ).select_related("application")


def bad_rating_of_case(user: Any, number: str) -> Any:
    """The bad rating (差评) of the case ``number`` in the user's area, or None (for another app's ledger)."""
    from .models import Rating, RatingLevel

    return (
        Rating.objects.visible_to(user)
        .filter(application__number=number, level__lte=RatingLevel.DISSATISFIED)
        .select_related("application")
        .first()
    )
