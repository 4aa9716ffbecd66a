"""AB角 (posts with a stand-in) and the deadline sweep (warnings, accountability for missed deadlines)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability
from jisheng.audit.services import model_snapshot, record
from jisheng.core.actor import Actor
from jisheng.workdays import services as workdays

from ..models import Accountability, AccountabilityKind, Application, CaseEvent, Handover, Post
from ..models.cases import OPEN_STATUSES


@transaction.atomic
def post_create(*, office: Any, name: str, holder_a: Any, holder_b: Any, by: Actor) -> Post:
    """May be nested."""
    permissions.ensure(by, Capability.REVIEW_DECISIONS, office.code)
    if holder_a == holder_b:
        raise ValidationError(_("“B role”: the A and B roles cannot be held by the same person"))
    post = Post.objects.create(office=office, name=name, holder_a=holder_a, holder_b=holder_b)
    record(by=by, action="hall.post_create", obj=post, after=model_snapshot(post))
    return post


@transaction.atomic(durable=True)
def post_set_absent(*, post: Post, absent: bool, by: Actor) -> int:
    """Mark A absent (A's open cases go to B at once) or back (they return to A). Returns cases moved.
    Outermost."""
    permissions.ensure(by, Capability.WORK_AT_COUNTER, post.office_id)
    post = Post.objects.select_for_update().select_related("holder_a", "holder_b").get(pk=post.pk)
    if post.a_absent == absent:
        return 0
    now = timezone.now()
    if absent:
        moving = Application.objects.filter(owner=post.holder_a, status__in=OPEN_STATUSES)
        source, target, reason = post.holder_a, post.holder_b, "A角不在岗，由B角接办"
    else:
        moving = Application.objects.filter(
            owner=post.holder_b, standing_in_for=post.holder_a, status__in=OPEN_STATUSES
        )
        source, target, reason = post.holder_b, post.holder_a, "A角返岗，案件交回"
    ids = list(moving.values_list("id", flat=True))
    Handover.objects.bulk_create(
        Handover(application_id=i, from_user=source, to_user=target, reason=reason, at=now) for i in ids
    )
    CaseEvent.objects.bulk_create(
        CaseEvent(application_id=i, at=now, text=f"{reason}（{target}）") for i in ids
    )
    Application.objects.filter(id__in=ids).update(
        owner=target, standing_in_for=post.holder_a if absent else None
    )
    post.a_absent = absent
    post.save(update_fields=["a_absent"])
    record(
        by=by,
        action="hall.post_absent" if absent else "hall.post_return",
        obj=post,
        after={"a_absent": absent, "cases_moved": len(ids)},
    )
    return len(ids)


@transaction.atomic(durable=True)
def deadline_sweep(*, today: datetime.date | None = None, by: Actor) -> dict[str, int]:
    """Warn on cases with one working day left; record accountability for cases past their deadline.
    Outermost."""
    today = today or timezone.localdate()
    tomorrow = workdays.add_working_days(today, 1)
    now = timezone.now()
    open_cases = Application.objects.filter(status__in=OPEN_STATUSES, due_on__isnull=False)
    warn_ids = list(
        open_cases.filter(due_on__gt=today, due_on__lte=tomorrow, warned_on__isnull=True).values_list(
            "id", flat=True
        )
    )
    CaseEvent.objects.bulk_create(
        CaseEvent(application_id=i, at=now, text="预警：距办结时限只剩 1 个工作日") for i in warn_ids
    )
    Application.objects.filter(id__in=warn_ids).update(warned_on=today)
    overdue = list(
        open_cases.filter(due_on__lt=today, overdue_recorded=False, owner__isnull=False).values_list(
            "id", "owner_id", "due_on", "number", "office_id"
        )
    )
    Accountability.objects.bulk_create(
        Accountability(
            application_id=i,
            responsible_id=owner,
            kind=AccountabilityKind.OVERDUE,
            detail=f"超过办结时限（{due:%Y-%m-%d}）仍未办结",
            created_at=now,
        )
        for i, owner, due, _number, _office in overdue
    )
    Application.objects.filter(id__in=[row[0] for row in overdue]).update(overdue_recorded=True)
    # One audit event per office and sweep, naming every case and responsible person: a per-record event
    # would serialise thousands of writes on the audit chain head.
    by_office: dict[str, list[dict[str, Any]]] = {}
    for _i, owner, due, number, office in overdue:
        by_office.setdefault(office, []).append({"number": number, "responsible": owner, "due_on": due})
    for office, cases in sorted(by_office.items()):
        record(
            by=by,
            action="hall.accountability",
            object_type="hall.sweep",
            object_id=f"{today}:{office}",
            object_repr=f"超期追责 {len(cases)} 件",
            after={"kind": "overdue", "cases": cases},
            area_code=office,
        )
    result = {"warned": len(warn_ids), "overdue": len(overdue)}
    if warn_ids:
        record(
            by=by,
            action="hall.deadline_warn",
            object_type="hall.sweep",
            object_id=str(today),
            after=result,
            area_code="",
        )
    return result


@dataclass(frozen=True)
class OtherAccountability:
    """An accountability record about another app's record (a petition's matter): ``subject`` names it
    (unique per kind), ``area_code`` is where it is handled, ``responsible`` the user who answered for it."""

    subject: str
    area_code: str
    responsible_id: int
    kind: str
    detail: str


@transaction.atomic
def accountability_record_many(*, entries: list[OtherAccountability], by: Actor, action: str) -> int:
    """The hook for apps above the hall: record accountability (责任追究) through the hall's mechanism.

    A subject already recorded for a kind is skipped (the database refuses a second). One audit event per
    area, named by the calling app's ``action``. May be nested. Returns how many were new."""
    if not entries:
        return 0
    now = timezone.now()
    existing = set(
        Accountability.objects.filter(subject__in=[e.subject for e in entries]).values_list("subject", "kind")
    )
    new = [e for e in entries if (e.subject, e.kind) not in existing]
    Accountability.objects.bulk_create(
        Accountability(
            subject=e.subject,
            subject_area_id=e.area_code,
            responsible_id=e.responsible_id,
            kind=e.kind,
            detail=e.detail[:300],
            created_at=now,
        )
        for e in new
    )
    by_area: dict[str, list[dict[str, Any]]] = {}
    for e in new:
        by_area.setdefault(e.area_code, []).append({"subject": e.subject, "responsible": e.responsible_id})
    for area_code, rows in sorted(by_area.items()):
        record(
            by=by,
            action=action,
            object_type="hall.accountability",
            object_id=f"{now:%Y-%m-%d}:{area_code}",
            object_repr=f"追责 {len(rows)} 件",
            after={"kind": sorted({e.kind for e in new}), "records": rows},
            area_code=area_code,
        )
    return len(new)
