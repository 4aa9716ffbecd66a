"""The clocks' sweep (run hourly by ``petitions-sweep``): warnings before a limit, accountability past it."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from jisheng.audit.services import record
from jisheng.core.actor import Actor, describe
from jisheng.hall import services as hall_services
from jisheng.hall.models import AccountabilityKind

from ..models import Matter, MatterEvent, MatterStatus

WARN_DAYS = 5  # calendar days before a limit the responsible person is warned


@transaction.atomic
def clock_sweep(*, today: datetime.date | None = None, by: Actor) -> dict[str, int]:
    """Warn the responsible person 5 days before a limit; past the acceptance limit, or past day 60 (plus
    an approved extension), or past a review's 30 days, record accountability through the hall's
    mechanism, once per matter and step. Idempotent."""
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=WARN_DAYS)
    now = timezone.now()
    label = describe(by)[:150]
    warn_rows: list[tuple[int, str]] = []
    for status, column, text in (
        (MatterStatus.RECEIVED, "accept_due", "预警：受理告知期限将至（第二十三条）"),
        (MatterStatus.ACCEPTED, "due_on", "预警：办结期限将至（第三十四条）"),
        (MatterStatus.REVIEW_REQUESTED, "review_due", "预警：复查答复期限将至（第三十五条）"),
        (MatterStatus.REEXAM_REQUESTED, "reexam_due", "预警：复核答复期限将至（第三十六条）"),
    ):
        ids = Matter.objects.filter(
            status=status, warned_on__isnull=True, **{f"{column}__gte": today, f"{column}__lte": soon}
        ).values_list("id", flat=True)
        warn_rows.extend((i, text) for i in ids)
    MatterEvent.objects.bulk_create(
        MatterEvent(matter_id=i, at=now, text=t, actor=label) for i, t in warn_rows
    )
    Matter.objects.filter(id__in=[i for i, _t in warn_rows]).update(warned_on=today)

    entries: list[hall_services.OtherAccountability] = []
    overdue_ids: list[int] = []
    for status, column, kind, text in (
        (
            MatterStatus.RECEIVED,
            "accept_due",
            AccountabilityKind.LATE_ACCEPTANCE,
            "超过15日未书面告知受理（第二十三条）",
        ),
        (
            MatterStatus.ACCEPTED,
            "due_on",
            AccountabilityKind.OVERDUE,
            "超过办结期限且无批准延期（第三十四条）",
        ),
        (
            MatterStatus.REVIEW_REQUESTED,
            "review_due",
            AccountabilityKind.OVERDUE,
            "超过30日未出具复查意见（第三十五条）",
        ),
        (
            MatterStatus.REEXAM_REQUESTED,
            "reexam_due",
            AccountabilityKind.OVERDUE,
            "超过30日未出具复核意见（第三十六条）",
        ),
    ):
        rows = Matter.objects.filter(
            status=status, overdue_recorded=False, responsible__isnull=False, **{f"{column}__lt": today}
        ).values_list("id", "number", "area_id", "responsible_id", column)
        for matter_id, number, area_code, responsible_id, due in rows:
            step = {MatterStatus.REVIEW_REQUESTED: ":复查", MatterStatus.REEXAM_REQUESTED: ":复核"}.get(
                status, ""
            )
            entries.append(
                hall_services.OtherAccountability(
                    subject=f"信访 {number}{step}",
                    area_code=area_code,
                    responsible_id=responsible_id,
                    kind=kind,
                    detail=f"{text}，期限 {due:%Y-%m-%d}",
                )
            )
            overdue_ids.append(matter_id)
    created = hall_services.accountability_record_many(
        entries=entries, by=by, action="petitions.accountability"
    )
    MatterEvent.objects.bulk_create(
        MatterEvent(matter_id=i, at=now, text=f"超期，已记录责任追究：{e.detail}"[:300], actor=label)
        for i, e in zip(overdue_ids, entries, strict=True)
    )
    Matter.objects.filter(id__in=overdue_ids).update(overdue_recorded=True)
    result = {"warned": len(warn_rows), "overdue": len(overdue_ids), "accountability": created}
    if warn_rows or overdue_ids:
        record(
            by=by,
            action="petitions.clock_sweep",
            object_type="petitions.sweep",
            object_id=str(today),
            after=result,
            area_code="",
        )
    return result
