"""Every state change of the benefit process, one transaction and one audit event each.

proposal (``batch_propose``) → village public notice (``batch_start_notice``) → objections
(``objection_record``/``objection_resolve``) → township first review (``batch_review``) → county
approval (``batch_approve``) → bank file (``payments_issue``) → per line paid or failed
(``payment_settle``) → failed lines re-issued (``payment_reissue``). Each step checks who may take it;
a step taken twice is refused, and the database refuses a second live payment for the same person,
programme and period whatever the route.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
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
from jisheng.registry.models import Person

from . import engine
from .models import (
    OPEN_BATCH_STATUSES,
    Application,
    Batch,
    BatchJob,
    Enrolment,
    Line,
    Objection,
    Payment,
)
from .payee import Account, account_problem, mask_account
from .rules import Version, get_programme


def _locked(batch: Batch) -> Batch:
    return Batch.objects.select_for_update().get(pk=batch.pk)


def _refusal(batch: Batch) -> str:
    return _("The batch is “%(status)s”: this step cannot be taken (someone may have taken it already)") % {
        "status": batch.get_status_display()
    }


def _expect(batch: Batch, *statuses: str) -> None:
    if batch.status not in statuses:
        raise ValidationError(_refusal(batch))


Progress = Callable[[str], None]


def _no_progress(point: str) -> None:
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
    Line.objects.bulk_create(lines, batch_size=500)
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


@transaction.atomic(durable=True)
def payments_issue(*, batch: Batch, by: Actor, progress: Progress = _no_progress) -> list[Payment]:
    """Create the payments of the bank file: one per approved line that has no live payment yet.

    Retrying (a second click, a re-sent request) finds the payments already there and creates none.
    A person paid for this programme and period through another batch is refused by the database's
    unique constraint; the savepoint keeps the rest of the file and the line is reported as skipped.

    Outermost: called by the export's job (jobs.py) and the API, never inside another transaction, so
    a killed worker leaves no partial export (all the file's payments or none). ``progress`` is told
    the points reached (the job stops there when cancelled).
    """
    batch = _locked(batch)
    permissions.ensure(by, Capability.PAY_BATCH, batch.area_id)
    _expect(batch, Batch.Status.APPROVED, Batch.Status.PAYING)
    ensure_different_person(by, step="issue", earlier={"approve": batch.approved_by})
    created, skipped = 0, 0
    # a line with any payment is done here: failed ones go through payment_reissue, never a new file
    already = set(Payment.objects.filter(line__batch=batch).values_list("line_id", flat=True))
    lacking = lines_lacking_account(batch, exclude=already)
    if lacking:
        names = "、".join(line.name for line, _problem in lacking[:10])
        more = _(" and others") if len(lacking) > 10 else ""
        raise ValidationError(
            _(
                "%(count)d lines have no valid payee account (%(names)s%(more)s); record the accounts "
                "before making the bank file"
            )
            % {"count": len(lacking), "names": names, "more": more}
        )
    for line in batch.lines.filter(status=Line.Status.APPROVED).order_by("id"):
        if line.pk in already:
            continue
        try:
            with transaction.atomic():
                Payment.objects.create(
                    line=line,
                    person_id=line.person_id,
                    area_id=line.area_id,
                    programme_id=batch.programme_id,
                    period=batch.period,
                    amount=line.amount,
                    account_kind=line.account_kind,
                    bank_account=line.bank_account,
                    bank_name=line.bank_name,
                    account_holder=line.account_holder,
                )
                created += 1
        except IntegrityError:
            skipped += 1
    progress("payments_issue:payments_written")
    if batch.status == Batch.Status.APPROVED:
        batch.status = Batch.Status.PAYING
        batch.save(update_fields=["status"])
    record(
        by=by,
        action="benefits.payments_issue",
        obj=batch,
        after={"created": created, "skipped_already_paid": skipped},
    )
    return list(
        Payment.objects.filter(line__batch=batch)
        .select_related("line")
        .order_by("line__area_id", "line_id", "attempt")
    )


@transaction.atomic(durable=True)
def payment_settle(*, payment: Payment, paid: bool, by: Actor, reason: str = "") -> Payment:
    """Mark one bank-file line paid or failed, as the bank's return file says.

    Outermost: called by the pages only."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    permissions.ensure(by, Capability.PAY_BATCH, payment.area_id)
    ensure_different_person(by, step="pay", earlier={"approve": payment.line.batch.approved_by})
    if payment.status != Payment.Status.ISSUED:
        raise ValidationError(
            _("This payment is marked “%(status)s” already.") % {"status": payment.get_status_display()}
        )
    if not paid and not reason.strip():
        raise ValidationError(_("Give the reason the payment failed."))
    before = model_snapshot(payment)
    payment.status = Payment.Status.PAID if paid else Payment.Status.FAILED
    payment.failure_reason = "" if paid else reason.strip()[:128]
    payment.settled_at = timezone.now()
    payment.settled_by = staff_user(by)
    payment.save()
    _close_if_done(payment.line.batch)
    record(
        by=by,
        action="benefits.payment_settle",
        obj=payment,
        before=before,
        after=model_snapshot(payment),
        reason=reason,
    )
    return payment


@transaction.atomic(durable=True)
def payment_reissue(*, payment: Payment, by: Actor, account: Account | None = None) -> Payment:
    """Issue a failed payment again as a new attempt, to ``account`` when the bank returned it for a
    wrong account (the line keeps the corrected account), else to the line's current account. The
    unique constraint makes this safe to retry: once a live attempt exists, another is refused.

    Outermost: called by the pages only."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    permissions.ensure(by, Capability.PAY_BATCH, payment.area_id)
    line = payment.line
    ensure_different_person(by, step="issue", earlier={"approve": line.batch.approved_by})
    if payment.status != Payment.Status.FAILED:
        raise ValidationError(_("Only a failed payment can be reissued."))
    if line.payments.filter(attempt__gt=payment.attempt).exists():
        raise ValidationError(_("This payment has been reissued already."))
    if account is not None:
        _check_holder(line, account)
        for field, value in account.as_fields().items():
            setattr(line, field, value)
        line.save(update_fields=list(account.as_fields()))
    problem = account_problem(line.account_kind, line.bank_account, line.bank_name, line.account_holder)
    if problem:
        raise ValidationError(_("The payee account is not valid: %(problem)s") % {"problem": problem})
    try:
        with transaction.atomic():
            again = Payment.objects.create(
                line=payment.line,
                person_id=payment.person_id,
                area_id=payment.area_id,
                programme_id=payment.programme_id,
                period=payment.period,
                amount=payment.amount,
                account_kind=line.account_kind,
                bank_account=line.bank_account,
                bank_name=line.bank_name,
                account_holder=line.account_holder,
                attempt=payment.attempt + 1,
            )
    except IntegrityError as exc:
        raise ValidationError(_("This person already has a pending or paid payment for the period.")) from exc
    batch = payment.line.batch
    if batch.status == Batch.Status.CLOSED:
        Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.PAYING)
    record(
        by=by,
        action="benefits.payment_reissue",
        obj=again,
        before=_masked(model_snapshot(payment)),
        after=_masked(model_snapshot(again)),
    )
    return again


def _masked(snapshot: dict[str, Any]) -> dict[str, Any]:
    """An audit snapshot with the account number masked: the trail says which account, not the number."""
    if snapshot.get("bank_account"):
        snapshot["bank_account"] = mask_account(str(snapshot["bank_account"]))
    return snapshot


def lines_lacking_account(batch: Batch, *, exclude: set[int] | None = None) -> list[tuple[Line, str]]:
    """The approved (or proposed) lines without an account the bank can pay to, with the reason."""
    lacking = []
    for line in batch.lines.exclude(status=Line.Status.WITHDRAWN).order_by("area_id", "id"):
        if exclude and line.pk in exclude:
            continue
        problem = account_problem(line.account_kind, line.bank_account, line.bank_name, line.account_holder)
        if problem:
            lacking.append((line, problem))
    return lacking


def allowed_holders(person_id: int) -> set[str]:
    """Whose account a benefit may be paid to: the beneficiary's own or a registered parent's."""
    from jisheng.registry.models import Birth

    names = set(Person.objects.filter(pk=person_id).values_list("name", flat=True))
    birth = Birth.objects.filter(child_id=person_id).select_related("mother", "father").first()
    if birth is not None:
        names |= {parent.name for parent in (birth.mother, birth.father) if parent is not None}
    return names


def _check_holder(line: Line, account: Account) -> None:
    if account.holder not in allowed_holders(line.person_id):
        raise ValidationError(
            {
                "account_holder": _(
                    "“Account holder”: %(holder)s is neither %(name)s nor a registered parent and cannot be paid"
                )
                % {"holder": account.holder, "name": line.name}
            }
        )


@transaction.atomic(durable=True)
def line_account_set(*, line: Line, account: Account, by: Actor) -> Line:
    """Record (or correct) the payee account of one line, as the township collects it. A line whose
    payment is with the bank keeps its account; a returned one is corrected through re-issuing.

    Outermost: called by the pages and the demo only."""
    line = Line.objects.select_for_update().select_related("batch").get(pk=line.pk)
    permissions.ensure(by, Capability.RECORD_PAYEE_ACCOUNT, line.area_id)
    if (
        line.batch.status in (Batch.Status.CLOSED, Batch.Status.REJECTED)
        or line.status == Line.Status.WITHDRAWN
    ):
        raise ValidationError(_("This line is closed or withdrawn; no account can be recorded."))
    if line.payments.exclude(status=Payment.Status.FAILED).exists():
        raise ValidationError(_("This line has a payment already; its account cannot change."))
    _check_holder(line, account)
    before = {
        "account": mask_account(line.bank_account),
        "holder": line.account_holder,
        "bank": line.bank_name,
    }
    for field, value in account.as_fields().items():
        setattr(line, field, value)
    line.save(update_fields=list(account.as_fields()))
    record(
        by=by,
        action="benefits.line_account_set",
        obj=line,
        before=before,
        after={
            "account": mask_account(line.bank_account),
            "holder": line.account_holder,
            "bank": line.bank_name,
        },
    )
    return line


def _close_if_done(batch: Batch) -> None:
    open_lines = Line.objects.filter(batch=batch, status=Line.Status.APPROVED).exclude(
        payments__status=Payment.Status.PAID
    )
    if not open_lines.exists() and batch.status == Batch.Status.PAYING:
        Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.CLOSED)


@transaction.atomic(durable=True)
def enrolment_stop(*, enrolment: Enrolment, reason: str, by: Actor) -> Enrolment:
    """Outermost: called by the pages only."""
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    permissions.ensure(by, Capability.PROPOSE_BATCH, enrolment.area_id)
    if enrolment.status == Enrolment.Status.STOPPED:
        raise ValidationError(_("This benefit has stopped already."))
    if not reason.strip():
        raise ValidationError(_("Give the reason for stopping."))
    before = model_snapshot(enrolment)
    enrolment.status = Enrolment.Status.STOPPED
    enrolment.stop_reason = reason.strip()
    enrolment.stopped_at = timezone.now()
    enrolment.save()
    record(
        by=by,
        action="benefits.enrolment_stop",
        obj=enrolment,
        before=before,
        after=model_snapshot(enrolment),
        reason=reason,
    )
    return enrolment


@transaction.atomic(durable=True)
def enrolments_reconfirm(*, programme_id: str, year: int, area: Area, by: Actor) -> dict[str, int]:
    """Annual re-confirmation: every active enrolment of the area is checked against the year's rule;
    those the registry no longer supports (death, moved out, child over the age limit) are stopped
    with the rule's own reasons, the others are confirmed for the year.

    Outermost: called by the pages only."""
    permissions.ensure(by, Capability.PROPOSE_BATCH, area.code)
    programme = get_programme(programme_id)
    active = list(
        Enrolment.objects.within(area.prefix)
        .filter(programme_id=programme_id, status=Enrolment.Status.ACTIVE)
        .select_for_update()
    )
    result = engine.run(programme, year, area.code, person_ids=[e.person_id for e in active])
    eligible = {d.subject.pk for d in result.proposals}
    # Decide everything first (the stopped persons read in one query), write in bulk, and only then
    # append to the audit trail: its chain head is locked from the first event to the end of the
    # transaction, so no loop over the registry runs while it is held.
    confirming = [e.pk for e in active if e.person_id in eligible]
    stopping = [e for e in active if e.person_id not in eligible]
    persons = Person.objects.in_bulk([e.person_id for e in stopping])
    now = timezone.now()
    stops = []
    for enrolment in stopping:
        decision = engine.explain(programme, year, persons[enrolment.person_id], version=result.version)
        before = model_snapshot(enrolment)
        enrolment.status = Enrolment.Status.STOPPED
        enrolment.stop_reason = "；".join(r for r in decision.reasons if r.startswith("不符合"))
        enrolment.stopped_at = now
        stops.append((enrolment, before))
    Enrolment.objects.filter(pk__in=confirming).update(confirmed_year=year)
    Enrolment.objects.bulk_update(stopping, ["status", "stop_reason", "stopped_at"], batch_size=500)
    for enrolment, before in stops:
        record(
            by=by,
            action="benefits.enrolment_stop",
            obj=enrolment,
            before=before,
            after=model_snapshot(enrolment),
            reason=enrolment.stop_reason,
        )
    confirmed, stopped = len(confirming), len(stopping)
    record(
        by=by,
        action="benefits.enrolments_reconfirm",
        obj=None,
        area_code=area.code,
        object_type="benefits.enrolment",
        after={"programme": programme_id, "year": year, "confirmed": confirmed, "stopped": stopped},
    )
    return {"confirmed": confirmed, "stopped": stopped}


@transaction.atomic(durable=True)
def batch_job_start(
    *,
    kind: str,
    by: Actor,
    programme_id: str = "",
    year: int = 0,
    area: Area | None = None,
    batch: Batch | None = None,
    language: str = "zh-hans",
) -> BatchJob:
    """Queue a benefit run (``kind`` "propose": programme, year, area) or a payment export ("export":
    an approved batch) for ``jisheng worker``. The same run or export asked again while one is queued or
    running returns that job, so twenty identical requests make one job (and one batch). Who may do
    it is checked now, and again when the job runs.

    Outermost: called by the pages only; the job and its queue entry are committed together."""
    if kind == BatchJob.Kind.EXPORT:
        if batch is None:
            raise ValidationError(_("Say which batch to pay."))
        batch = _locked(batch)
        permissions.ensure(by, Capability.PAY_BATCH, batch.area_id)
        _expect(batch, Batch.Status.APPROVED, Batch.Status.PAYING)
        ensure_different_person(by, step="issue", earlier={"approve": batch.approved_by})
        area, programme_id, year = batch.area, batch.programme_id, batch.year
        open_jobs = BatchJob.objects.filter(kind=kind, batch=batch)
    else:
        if area is None:
            raise ValidationError(_("Say which area to run the programme for."))
        permissions.ensure(by, Capability.PROPOSE_BATCH, area.code)
        try:
            programme_id = get_programme(programme_id).id
        except KeyError as exc:
            raise ValidationError(_("No such programme.")) from exc
        if not 1949 <= year <= 2100:
            raise ValidationError(_("“Year”: %(year)s is not a year.") % {"year": year})
        open_jobs = BatchJob.objects.filter(kind=kind, programme_id=programme_id, area=area, year=year)
    open_jobs = open_jobs.filter(status__in=(BatchJob.Status.QUEUED, BatchJob.Status.RUNNING))
    existing = open_jobs.first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            job = BatchJob.objects.create(
                kind=kind,
                programme_id=programme_id,
                year=year,
                area=area,
                batch=batch,
                created_by=staff_user(by),
            )
    except IntegrityError:  # the same request, a moment earlier, on another worker
        existing = open_jobs.first()
        if existing is None:
            raise
        return existing
    if not getattr(settings, "JISHENG_JOBS_SYNC", False):  # tests run the job in the request
        from .jobs import batch_job_task

        job.task_id = str(batch_job_task.enqueue(job.pk, language).id)
        job.save(update_fields=["task_id"])
    record(by=by, action="benefits.batch_job_start", obj=job, after=model_snapshot(job))
    return job


@transaction.atomic(durable=True)
def batch_job_update(
    *, job: BatchJob, status: str, by: Actor, message: str = "", batch: Batch | None = None
) -> BatchJob:
    """The job's worker (or the recovery of a dead one) records that it runs, is done or failed.
    An ended job stays ended. Outermost: called by the job (jobs.py) between its parts."""
    job = BatchJob.objects.select_for_update().get(pk=job.pk)
    if not job.is_open:
        return job
    before = model_snapshot(job)
    job.status = status
    job.message = message
    if batch is not None:
        job.batch = batch
    if status in (BatchJob.Status.DONE, BatchJob.Status.FAILED):
        job.finished_at = timezone.now()
    job.save()
    record(by=by, action="benefits.batch_job_update", obj=job, before=before, after=model_snapshot(job))
    return job


def batch_job_cancel(*, job: BatchJob, by: Actor) -> BatchJob:
    """Stop a queued job at once, a running one at its next step (what it committed stays; a run or an
    export commits all or nothing). Only whoever started it. Outermost: called by the page."""
    from jisheng.core import jobs

    user = staff_user(by)
    if user is None or job.created_by_id != user.pk:
        raise PermissionDenied(_("Only whoever started this job can cancel it."))
    if not job.is_open:
        return job
    state = jobs.cancel(job.task_id, asked_by=str(by)) if job.task_id else ""
    if state in (jobs.FAILED, ""):
        return batch_job_update(job=job, status=BatchJob.Status.FAILED, message=cancelled_message(by), by=by)
    return job


def cancelled_message(who: Actor | str) -> str:
    name = who if isinstance(who, str) else (getattr(who, "get_full_name", lambda: "")() or str(who))
    return _("Cancelled by %(name)s; nothing of it was written.") % {"name": name}
