"""Scoped reads of the floating population: lists by destination and duration, the township's 四个一
completeness by village, the verification work queue, the figures reporting counts."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.areas.models import Area
from jisheng.registry import timeline

from .models import (
    CERTIFICATE_HAND_IN_DAYS,
    Arrival,
    Departure,
    Direction,
    EducationSession,
    MaritalCertificate,
    Notice,
    NoticeKind,
    VerificationRequest,
    VerificationStatus,
)
from .provinces import PROVINCE_NAMES

LIST_LIMIT = 200
# Durations a person has been away, as the list groups them (months).
DURATIONS = {
    "lt6": (0, 6),
    "6to12": (6, 12),
    "1to3y": (12, 36),
    "gt3y": (36, 100 * 12),
}

INCOMPLETE = (
    Q(certificate__isnull=True)
    | Q(contact_phone="")
    | Q(contraception="")
    | Q(agreement_signed_on__isnull=True)
)


def _months_before(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 - months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, last))
        except ValueError:
            continue
    return datetime.date(year, month, 1)  # pragma: no cover


@dataclass(frozen=True)
class AwayFilter:
    destination: str = ""  # a code prefix (2 province, 4 city, 6 county)
    duration: str = ""  # a key of DURATIONS
    incomplete: bool = False
    returned: bool = False


def persons_away(user: Any, how: AwayFilter, today: datetime.date | None = None) -> QuerySet[Departure]:
    today = today or timezone.localdate()
    rows = Departure.objects.visible_to(user).filter(returned_on__isnull=not how.returned)
    if how.destination.isdigit():
        rows = rows.filter(destination_code__startswith=how.destination)
    if how.duration in DURATIONS:
        low, high = DURATIONS[how.duration]
        rows = rows.filter(left_on__lte=_months_before(today, low), left_on__gt=_months_before(today, high))
    if how.incomplete:
        rows = rows.filter(INCOMPLETE)
    return rows.select_related("person", "area", "certificate").order_by("-left_on", "-pk")


def away_by_province(user: Any) -> list[dict[str, Any]]:
    """People away now, counted by the province of destination (one grouped query)."""
    rows = (
        Departure.objects.visible_to(user)
        .filter(returned_on__isnull=True)
        .order_by()
        .values("destination_province")
        .annotate(n=Count("pk"))
        .order_by("-n", "destination_province")
    )
    return [
        {
            "province": row["destination_province"],
            "name": PROVINCE_NAMES.get(row["destination_province"], row["destination_province"]),
            "n": row["n"],
        }
        for row in rows
    ]


def checklist_by_village(user: Any, township: Area) -> list[dict[str, Any]]:
    """A township's view of 四个一 completeness: per village, people away now, complete and what is
    missing most (one grouped query over the township's open departures)."""
    rows = (
        Departure.objects.visible_to(user)
        .filter(returned_on__isnull=True, area__code__startswith=township.prefix)
        .order_by()
        .values("area_id")
        .annotate(
            away=Count("pk"),
            no_certificate=Count("pk", filter=Q(certificate__isnull=True)),
            no_phone=Count("pk", filter=Q(contact_phone="")),
            no_contraception=Count("pk", filter=Q(contraception="")),
            no_agreement=Count("pk", filter=Q(agreement_signed_on__isnull=True)),
            incomplete=Count("pk", filter=INCOMPLETE),
        )
    )
    counts: dict[str, dict[str, Any]] = {row["area_id"]: dict(row) for row in rows}
    villages = Area.objects.filter(parent=township, valid_to__isnull=True).order_by("code")
    result = []
    for village in villages:
        row = counts.get(village.code, {})
        away = row.get("away", 0)
        complete = away - row.get("incomplete", 0)
        result.append(
            {
                "village": village,
                "away": away,
                "complete": complete,
                "percent": round(100 * complete / away) if away else None,
                "no_certificate": row.get("no_certificate", 0),
                "no_phone": row.get("no_phone", 0),
                "no_contraception": row.get("no_contraception", 0),
                "no_agreement": row.get("no_agreement", 0),
            }
        )
    return result


def persons_arrived(user: Any, *, current: bool = True, overdue: bool = False) -> QuerySet[Arrival]:
    rows = Arrival.objects.visible_to(user).filter(left_on__isnull=current)
    if overdue:
        due = timezone.localdate() - datetime.timedelta(days=CERTIFICATE_HAND_IN_DAYS)
        rows = rows.filter(arrived_on__lt=due).exclude(certificate_valid=True)
    return rows.select_related("person", "area").order_by("-arrived_on", "-pk")


def verification_queue(
    user: Any, *, direction: str = Direction.IN, open_only: bool = True
) -> QuerySet[VerificationRequest]:
    """The work queue: received requests with their clock (overdue and urgent first)."""
    rows = VerificationRequest.objects.visible_to(user).filter(direction=direction)
    if open_only:
        rows = rows.filter(status=VerificationStatus.OPEN)
    return rows.select_related("area", "owner").order_by("due_on", "-priority", "pk")


def notices(user: Any) -> QuerySet[Notice]:
    return Notice.objects.visible_to(user).select_related("area").order_by("-on", "-pk")


def birth_notices_of(arrival: Arrival, user: Any) -> list[Notice]:
    """The births notified to the home county of a woman arrived here (newest first)."""
    return list(
        Notice.objects.visible_to(user).filter(
            direction=Direction.OUT,
            kind=NoticeKind.BIRTH,
            person_id=arrival.person_id,
            area_id=arrival.area_id,
        )[:20]
    )


def home_counts(user: Any) -> dict[str, int]:
    today = timezone.localdate()
    away = Departure.objects.visible_to(user).filter(returned_on__isnull=True)
    received = VerificationRequest.objects.visible_to(user).filter(
        direction=Direction.IN, status=VerificationStatus.OPEN
    )
    due = today - datetime.timedelta(days=CERTIFICATE_HAND_IN_DAYS)
    return {
        "incomplete": away.filter(INCOMPLETE).count(),
        "certificate_overdue": Arrival.objects.visible_to(user)
        .filter(left_on__isnull=True, arrived_on__lt=due)
        .exclude(certificate_valid=True)
        .count(),
        "verifications_open": received.count(),
        "verifications_overdue": received.filter(due_on__lt=today).count(),
    }


def person_timeline(person: Any, user: Any) -> list[dict[str, Any]]:
    """The person file's entries of this app (一人一档): departures, arrivals, certificates, notices,
    education sessions."""
    return person_timeline_entries(timeline.read(person_timeline_rows(person, user)))


def person_timeline_rows(person: Any, user: Any) -> list[QuerySet[Any]]:
    """The querysets of this app's entries on the person file, read with the other apps' rows in one
    statement (``registry.timeline``)."""
    return [
        timeline.rows(
            Departure.objects.visible_to(user).filter(person=person), "departure", day="left_on",
            day2="returned_on", text1="destination_name", text2="destination_code",
        ),
        timeline.rows(
            Arrival.objects.visible_to(user).filter(person=person), "arrival", day="arrived_on",
            text1="origin_name", text2="origin_code",
        ),
        timeline.rows(
            MaritalCertificate.objects.visible_to(user).filter(person=person), "certificate",
            day="issued_on", text1="number",
        ),
        timeline.rows(
            Notice.objects.visible_to(user).filter(person=person, direction=Direction.IN), "notice",
            day="on", text1="peer_area_code", text2="kind", text3="outcome",
        ),
        timeline.rows(
            EducationSession.objects.visible_to(user).filter(person=person), "education", day="held_on",
            text1="topic",
        ),
    ]  # fmt: skip


def person_timeline_entries(rows: list[timeline.Row]) -> list[dict[str, Any]]:
    """The entries of this app's rows, in the order its models keep (latest first)."""
    kinds = dict(Notice._meta.get_field("kind").flatchoices)
    ordered = sorted(rows, key=lambda row: (row.day or datetime.date.min, row.pk), reverse=True)
    entries: list[dict[str, Any]] = []
    for row in (row for row in ordered if row.kind == "departure"):
        entries.append(
            {
                "date": row.day,
                "title": _("Left to live away"),
                "detail": f"{row.text1} ({(row.text2 or '')[:6]})",
                "url": reverse("migrants:departure", args=[row.pk]),
            }
        )
        if row.day2:
            entries.append({"date": row.day2, "title": _("Returned home"), "detail": "", "url": ""})
    for row in (row for row in ordered if row.kind == "arrival"):
        entries.append(
            {
                "date": row.day,
                "title": _("Arrived from elsewhere"),
                "detail": row.text1 or row.text2,
                "url": reverse("migrants:arrival", args=[row.pk]),
            }
        )
    for row in (row for row in ordered if row.kind == "certificate"):
        entries.append(
            {
                "date": row.day,
                "title": _("Marital and fertility certificate issued"),
                "detail": row.text1,
                "url": "",
            }
        )
    for row in (row for row in ordered if row.kind == "notice"):
        entries.append(
            {
                "date": row.day,
                "title": _("Notice from %(area)s: %(kind)s")
                % {"area": row.text1, "kind": kinds.get(row.text2, row.text2)},
                "detail": row.text3,
                "url": "",
            }
        )
    for row in (row for row in ordered if row.kind == "education"):
        entries.append({"date": row.day, "title": _("Health education"), "detail": row.text1, "url": ""})
    return entries


# --- figures for reporting ----------------------------------------------------------------------------


def away_on(day: datetime.date) -> QuerySet[Departure]:
    """Departures open on ``day`` (left by then, not returned by then): people away at a date."""
    return Departure.objects.filter(left_on__lte=day).filter(
        Q(returned_on__isnull=True) | Q(returned_on__gt=day)
    )


def arrivals_between(start: datetime.date, end: datetime.date) -> QuerySet[Arrival]:
    return Arrival.objects.filter(arrived_on__range=(start, end))


def verifications_due_between(start: datetime.date, end: datetime.date) -> QuerySet[VerificationRequest]:
    """Received requests due in the period (answered or not): the denominator of timeliness."""
    return VerificationRequest.objects.filter(direction=Direction.IN, due_on__range=(start, end))


def verifications_on_time_between(start: datetime.date, end: datetime.date) -> QuerySet[VerificationRequest]:
    from django.db.models import F

    return verifications_due_between(start, end).filter(
        answered_on__isnull=False, answered_on__lte=F("due_on")
    )


REISSUE_DAYS = 60


def certificates_due_for_reissue(
    user: Any, *, days: int = REISSUE_DAYS, township: str = "", today: datetime.date | None = None
) -> QuerySet[MaritalCertificate]:
    """The user's current 婚育证明 that expire within ``days`` or whose holder's marital or birth status
    changed since issue (a marriage, divorce or birth dated on or after the issue day): each to be
    re-issued. Annotated ``expiring``, ``births_since``, ``marriage_since``; ordered by village then
    expiry; optionally one township's (``township``, a 12-digit code)."""
    from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef

    from jisheng.registry.models import Birth, Marriage

    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=max(0, days))
    holder = OuterRef("person_id")
    issued = OuterRef("issued_on")
    births = Birth.objects.filter(Q(mother_id=holder) | Q(father_id=holder), date__gte=issued)
    marriages = Marriage.objects.filter(Q(husband_id=holder) | Q(wife_id=holder)).filter(
        Q(date__gte=issued) | Q(divorce_date__gte=issued)
    )
    rows = (
        MaritalCertificate.objects.visible_to(user)
        .filter(superseded_on__isnull=True)
        .annotate(
            births_since=Exists(births),
            marriage_since=Exists(marriages),
            expiring=ExpressionWrapper(Q(valid_until__lte=horizon), output_field=BooleanField()),
        )
        .filter(Q(valid_until__lte=horizon) | Q(births_since=True) | Q(marriage_since=True))
        .select_related("person", "area", "area__parent")
        .order_by("area_id", "valid_until", "pk")
    )
    if township:
        rows = rows.filter(area_id__startswith=township[:9])
    return rows
