"""Payments of an approved batch (the bank file, settling, re-issue), payee accounts and enrolments."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.models import staff_user
from jisheng.accounts.permissions import Capability, ensure_different_person
from jisheng.areas.models import Area
from jisheng.audit.services import model_snapshot, record
from jisheng.core.actor import Actor
from jisheng.registry.models import Person

from .. import engine
from ..models import (
    Batch,
    Enrolment,
    Line,
    Payment,
)
from ..payee import Account, account_problem, mask_account
from ..rules import get_programme
from .batches import Progress, _expect, _locked, _no_progress


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
    to_pay = [
        line
        for line in batch.lines.filter(status=Line.Status.APPROVED).order_by("id")
        if line.pk not in already
    ]
    for number, line in enumerate(to_pay, start=1):
        if number % 100 == 1 or number == len(to_pay):
            progress("payments_issue:payments", done=number - 1, total=len(to_pay), unit="payments")
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
    progress("payments_issue:payments", done=len(to_pay), total=len(to_pay), unit="payments")
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
    before = _masked(model_snapshot(payment))
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
        after=_masked(model_snapshot(payment)),
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
        line.save(update_fields=[*account.as_fields(), "bank_account_index"])
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
    """An audit snapshot without the account's blind index (a keyed hash the trail has no use for);
    the account number itself, sealed at rest, is masked by ``model_snapshot``."""
    snapshot.pop("bank_account_index", None)
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
    line.save(update_fields=[*account.as_fields(), "bank_account_index"])
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
