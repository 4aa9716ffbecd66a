"""The batch from its proposal to the county's approval (see the package's docstring)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.models import staff_user
from jisheng.accounts.permissions import Capability, ensure_different_person
from jisheng.areas.models import Area
from jisheng.audit.services import model_snapshot, record
from jisheng.audit.transitions import transition
from jisheng.core.actor import Actor

from .. import engine
from ..models import (
    OPEN_BATCH_STATUSES,
    Application,
    Batch,
    Enrolment,
    Line,
    Objection,
)
from ..rules import Version, get_programme


def _locked(batch: Batch) -> Batch:
    return Batch.objects.select_for_update().get(pk=batch.pk)


def _refusal(batch: Batch) -> str:
    return _("The batch is “%(status)s”: this step cannot be taken (someone may have taken it already)") % {
        "status": batch.get_status_display()
    }


def _expect(batch: Batch, *statuses: str) -> None:
    if batch.status not in statuses:
        raise ValidationError(_refusal(batch))


Progress = Callable[..., None]  # progress(point, done=, total=, unit=)


def _no_progress(point: str, **counts: Any) -> None:
    return None


@transaction.atomic(durable=True)
def batch_propose(
    *,
    programme_id: str,
    year: int,
    area: Area,
    by: Actor,
    version: Version | None = None,
    progress: Progress = _no_progress,
) -> Batch:
    """Run the programme over the area and keep the proposals as a batch. A person already in a live
    batch of the same programme and year is left out, so two batches never cover one person.

    Outermost: called by the run's job (jobs.py), the API and the demo, never inside another
    transaction, so a killed worker leaves no partial batch. ``progress`` is told the points reached
    (the job stops there when cancelled)."""
    permissions.ensure(by, Capability.PROPOSE_BATCH, area.code)
    programme = get_programme(programme_id)
    open_batches = Batch.objects.filter(
        programme_id=programme.id, area=area, year=year, status__in=OPEN_BATCH_STATUSES
    )
    existing = open_batches.first()
    if existing is not None:
        return existing  # a retried or repeated proposal: the batch already being worked on
    result = engine.run(programme, year, area.code, version=version)
    try:
        with transaction.atomic():
            batch = Batch.objects.create(
                programme_id=programme.id,
                programme_name=programme.name,
                version=result.version.version,
                year=year,
                area=area,
                created_by=staff_user(by),
            )
    except IntegrityError as exc:
        # another request proposed the same batch between our check and our insert
        existing = open_batches.first()
        if existing is not None:
            return existing
        raise ValidationError(
            _("%(programme)s %(year)s: this area already has a batch in progress")
            % {"programme": programme.name, "year": year}
        ) from exc
    taken = set(
        Line.objects.filter(batch__programme_id=programme_id, batch__year=year)
        .exclude(batch__status=Batch.Status.REJECTED)
        .exclude(status=Line.Status.WITHDRAWN)
        .exclude(batch=batch)
        .values_list("person_id", flat=True)
    )
    # the account an eligible application gave (a verified applicant's, never one awaiting checks)
    accounts = {
        person_id: {"account_kind": kind, "bank_account": number, "bank_name": bank, "account_holder": holder}
        for person_id, kind, number, bank, holder in Application.objects.filter(
            programme_id=programme_id, year=year, status=Application.Status.ELIGIBLE
        )
        .exclude(bank_account="")
        .values_list("person_id", "account_kind", "bank_account", "bank_name", "account_holder")
    }
    lines = [
        Line(
            batch=batch,
            person_id=d.subject.pk,
            area_id=d.subject.area_code,
            household_id=d.subject.household_id,
            name=d.subject.name,
            id_number=d.subject.id_number,
            amount=d.amount,
            reasons="\n".join(d.reasons),
            **accounts.get(d.subject.pk, {}),
        )
        for d in result.proposals
        if d.subject.pk not in taken
    ]
    for start in range(0, len(lines), 500):
        Line.objects.bulk_create(lines[start : start + 500])
        done = min(start + 500, len(lines))
        progress("batch_propose:lines", done=done, total=len(lines), unit="lines")
    progress("batch_propose:lines_written")
    batch.total = sum((line.amount for line in lines), Decimal("0.00"))
    batch.save(update_fields=["total"])
    record(
        by=by,
        action="benefits.batch_propose",
        obj=batch,
        after={
            **model_snapshot(batch),
            "lines": len(lines),
            "left_out_already_proposed": len(result.proposals) - len(lines),
        },
    )
    return batch


def _refresh_total(batch: Batch) -> None:
    live = batch.lines.exclude(status=Line.Status.WITHDRAWN).aggregate(total=Sum("amount"))["total"]
    batch.total = live or Decimal("0.00")
    batch.save(update_fields=["total"])


@transaction.atomic
def batch_start_notice(
    *, batch: Batch, by: Actor, days: int | None = None, start: datetime.date | None = None
) -> Batch:
    """Put the list on public notice (公示) in the villages for the programme's notice period. May be
    nested."""
    permissions.ensure(by, Capability.PROPOSE_BATCH, batch.area_id)
    with transition(
        batch, by=by, action="benefits.batch_start_notice", allowed=[Batch.Status.PROPOSED], refusal=_refusal
    ) as batch:
        days = get_programme(batch.programme_id).notice_days if days is None else days
        if days < 1:
            raise ValidationError(_("The public notice lasts at least 1 day."))
        batch.notice_start = start or timezone.localdate()
        batch.notice_end = batch.notice_start + datetime.timedelta(days=days)
        batch.status = Batch.Status.NOTICE
    return batch


@transaction.atomic(durable=True)
def objection_record(*, line: Line, raised_by: str, content: str, by: Actor) -> Objection:
    """Outermost: called by the pages only."""
    batch = _locked(line.batch)
    permissions.ensure(by, Capability.PROPOSE_BATCH, line.area_id)
    _expect(batch, Batch.Status.NOTICE)
    if not content.strip() or not raised_by.strip():
        raise ValidationError(_("Give who objects and what the objection is."))
    objection = Objection.objects.create(
        line=line,
        area_id=line.area_id,
        raised_by=raised_by.strip(),
        content=content.strip(),
        recorded_by=staff_user(by),
    )
    record(by=by, action="benefits.objection_record", obj=objection, after=model_snapshot(objection))
    return objection


@transaction.atomic(durable=True)
def objection_resolve(*, objection: Objection, upheld: bool, resolution: str, by: Actor) -> Objection:
    """Decide an objection; an upheld one withdraws the line from the batch.

    Outermost: called by the pages only."""
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    permissions.ensure(by, Capability.PROPOSE_BATCH, objection.area_id)
    if objection.upheld is not None:
        raise ValidationError(_("This objection has been decided already."))
    if not resolution.strip():
        raise ValidationError(_("Give the decision on the objection."))
    before = model_snapshot(objection)
    objection.upheld = upheld
    objection.resolution = resolution.strip()
    objection.resolved_by = staff_user(by)
    objection.resolved_at = timezone.now()
    objection.save()
    if upheld:
        line = objection.line
        line.status = Line.Status.WITHDRAWN
        line.save(update_fields=["status"])
        _refresh_total(line.batch)
    record(
        by=by,
        action="benefits.objection_resolve",
        obj=objection,
        before=before,
        after=model_snapshot(objection),
        reason=resolution,
    )
    return objection


@transaction.atomic
def batch_review(*, batch: Batch, accept: bool, reason: str, by: Actor) -> Batch:
    """Township first review (乡镇初审), after the notice period with every objection decided. A
    programme whose approval chain has no village notice (手术费报销) is reviewed straight away. May be
    nested."""
    permissions.ensure(by, Capability.REVIEW_BATCH, batch.area_id)
    allowed = (
        [Batch.Status.NOTICE]
        if "village_notice" in get_programme(batch.programme_id).approval
        else [Batch.Status.PROPOSED, Batch.Status.NOTICE]
    )
    with transition(
        batch, by=by, action="benefits.batch_review", allowed=allowed, reason=reason, refusal=_refusal
    ) as batch:
        if not reason.strip():
            raise ValidationError(_("Give the review opinion."))
        if batch.notice_end and timezone.localdate() < batch.notice_end:
            raise ValidationError(
                _("The public notice runs until %(day)s; the review comes after it.")
                % {"day": f"{batch.notice_end:%Y-%m-%d}"}
            )
        if accept and Objection.objects.filter(line__batch=batch, upheld__isnull=True).exists():
            raise ValidationError(_("Some objections are not decided yet."))
        batch.status = Batch.Status.REVIEWED if accept else Batch.Status.REJECTED
        batch.reviewed_by = staff_user(by)
        batch.reviewed_at = timezone.now()
        batch.review_reason = reason.strip()
    return batch


@transaction.atomic
def batch_approve(*, batch: Batch, accept: bool, reason: str, by: Actor) -> Batch:
    """County approval (县级审批). Approving twice is refused: the row is locked and its status read
    inside the transaction, so two clicks or two clerks racing leave one approval. May be nested."""
    permissions.ensure(by, Capability.APPROVE_BATCH, batch.area_id)
    with transition(
        batch,
        by=by,
        action="benefits.batch_approve",
        allowed=[Batch.Status.REVIEWED],
        reason=reason,
        refusal=_refusal,
    ) as batch:
        ensure_different_person(
            by, step="approve", earlier={"propose": batch.created_by, "review": batch.reviewed_by}
        )
        if not reason.strip():
            raise ValidationError(_("Give the approval opinion."))
        batch.status = Batch.Status.APPROVED if accept else Batch.Status.REJECTED
        batch.approved_by = staff_user(by)
        batch.approved_at = timezone.now()
        batch.approval_reason = reason.strip()
        if accept:
            batch.lines.filter(status=Line.Status.PROPOSED).update(status=Line.Status.APPROVED)
            if get_programme(batch.programme_id).continuing:
                _enrol(batch)
    return batch


def _enrol(batch: Batch) -> None:
    for line in batch.lines.filter(status=Line.Status.APPROVED):
        enrolment, created = Enrolment.objects.get_or_create(
            person_id=line.person_id,
            programme_id=batch.programme_id,
            defaults={"area_id": line.area_id, "since_year": batch.year, "confirmed_year": batch.year},
        )
        if not created and enrolment.status == Enrolment.Status.ACTIVE:
            enrolment.confirmed_year = max(enrolment.confirmed_year, batch.year)
            enrolment.save(update_fields=["confirmed_year"])
