"""Verification requests (协查): both sides' clocks, answers, outcomes and the sweep."""

from __future__ import annotations

import datetime
import secrets

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability
from jisheng.areas.codes import normalize_code
from jisheng.areas.models import Area
from jisheng.audit.services import model_snapshot, record
from jisheng.core.actor import Actor, is_staff
from jisheng.core.text import InputError, check_id_number, clean_text, normalize_name
from jisheng.registry.models import Person
from jisheng.workdays import services as workdays

from .. import exchange_messages
from ..models import (
    Direction,
    Priority,
    VerificationRequest,
    VerificationStatus,
)
from .common import NORMAL_DAYS, PROVINCES, SEND_WITHIN_DAYS, URGENT_DAYS, _masked, _refuse, _today
from .notices import _deployment_root, _home_person

# --- verification requests (协查) ----------------------------------------------------------------------


def due_on_for(priority: str, sent_on: datetime.date) -> datetime.date:
    """The answer's due date in this (the sender's) working days: 15 urgent, 30 others."""
    return workdays.add_working_days(sent_on, URGENT_DAYS if priority == Priority.URGENT else NORMAL_DAYS)


def send_by(learned_on: datetime.date) -> datetime.date:
    """Art. 16: a verification request leaves within 7 working days of learning the facts."""
    return workdays.add_working_days(learned_on, SEND_WITHIN_DAYS)


@transaction.atomic
def verification_send(
    *,
    area: Area,
    peer_area_code: str,
    id_number: str,
    name: str,
    question: str,
    by: Actor,
    pregnant: bool = False,
    person: Person | None = None,
    need_arose_on: datetime.date | None = None,
) -> VerificationRequest:
    """Ask another deployment to confirm a person's facts; urgent for a pregnant woman. ``need_arose_on``
    (today when not given) starts the Art. 16 clock: sent later than 7 working days after it, the request
    is recorded against the sender at once (the hall's accountability records). May be nested."""
    permissions.ensure(by, Capability.HANDLE_VERIFICATIONS, area.code)
    try:
        number = check_id_number(id_number).number
    except InputError as exc:
        raise _refuse(_("resident ID number"), exc.reason) from exc
    question = clean_text(question)[:300]
    if not question:
        raise _refuse(_("what is to be verified"), _("is required"))
    peer = normalize_code(clean_text(peer_area_code)[:12] or "0")
    if peer[:2] not in PROVINCES:
        raise _refuse(
            _("the other side"),
            _("“%(code)s” is not the code of a place in China") % {"code": peer_area_code},
        )
    today = _today()
    need_arose_on = need_arose_on or today
    if need_arose_on > today:
        raise _refuse(_("need arose on"), _("cannot be in the future"))
    priority = Priority.URGENT if pregnant else Priority.NORMAL
    request = VerificationRequest.objects.create(
        reference=f"XC-{exchange_messages.self_code()[:6]}-{today:%Y%m%d}-{secrets.token_hex(4).upper()}",
        direction=Direction.OUT,
        area=area,
        peer_area_code=peer[:6],
        person=person,
        person_name=normalize_name(name),
        person_id_number=number,
        question=question,
        priority=priority,
        sent_on=today,
        due_on=due_on_for(priority, today),
        owner=by if is_staff(by) else None,  # type: ignore[misc]  # a StaffMember is the User model
        need_arose_on=need_arose_on,
        send_by=send_by(need_arose_on),
    )
    record(by=by, action="migrants.verification_send", obj=request, after=_masked(model_snapshot(request)))
    if request.send_by is not None and today > request.send_by:
        _sender_accountability(request, clock="send", by=by)
    exchange_messages.send(
        by=by,
        kind=exchange_messages.VERIFICATION,
        to_area_code=peer[:6],
        subject_key=number,
        body={
            "reference": request.reference,
            "id_number": number,
            "name": request.person_name,
            "question": question,
            "priority": priority,
            "sent_on": today.isoformat(),
            "due_on": request.due_on.isoformat(),
            "from": exchange_messages.self_code(),
        },
        from_area_code=area.code,
    )
    return request


@transaction.atomic
def verification_receive(
    *,
    reference: str,
    peer_area_code: str,
    id_number: str,
    name: str,
    question: str,
    priority: str,
    sent_on: datetime.date,
    due_on: datetime.date,
    by: Actor,
) -> VerificationRequest:
    """A verification request from another deployment, into the work queue of the person's home
    township (filed under the person's village; the deployment's root when the person is unknown
    here), due when the sender said."""
    reference = clean_text(reference)[:40]
    if not reference:
        raise ValueError(_("A verification request needs a reference"))
    if priority not in Priority.values:
        raise ValueError(_("Unknown priority “%(value)s”") % {"value": priority})
    number = check_id_number(id_number).number
    person = _home_person(number, normalize_name(name))
    # The person's village (its township's clerks see it in their queue, and reports count it there).
    area = Area.objects.get(pk=person.residence_area_id) if person is not None else _deployment_root()
    request = VerificationRequest.objects.create(
        reference=reference,
        direction=Direction.IN,
        area=area,
        peer_area_code=clean_text(peer_area_code)[:12],
        person=person,
        person_name=normalize_name(name),
        person_id_number=number,
        question=clean_text(question)[:300],
        priority=priority,
        sent_on=sent_on,
        due_on=due_on,
    )
    record(by=by, action="migrants.verification_receive", obj=request, after=_masked(model_snapshot(request)))
    return request


@transaction.atomic
def verification_take(*, verification: VerificationRequest, by: Actor) -> VerificationRequest:
    """首接负责: the clerk who opens a received request answers for it to the end."""
    permissions.ensure(by, Capability.HANDLE_VERIFICATIONS, verification.area_id)
    locked = VerificationRequest.objects.select_for_update().get(pk=verification.pk)
    if locked.owner_id is None and is_staff(by):
        locked.owner = by  # type: ignore[assignment]
        locked.save(update_fields=["owner"])
        record(by=by, action="migrants.verification_take", obj=locked, after={"owner": str(by)})
    return locked


@transaction.atomic
def verification_answer(*, verification: VerificationRequest, answer: str, by: Actor) -> VerificationRequest:
    """反馈: answer a received request; the answer goes back to the sender. May be nested."""
    permissions.ensure(by, Capability.HANDLE_VERIFICATIONS, verification.area_id)
    answer = clean_text(answer)
    if not answer:
        raise _refuse(pgettext("verification", "answer"), _("is required"))
    locked = VerificationRequest.objects.select_for_update().get(pk=verification.pk)
    if locked.direction != Direction.IN:
        raise _refuse(pgettext("verification", "answer"), _("only a received request is answered here"))
    if locked.status != VerificationStatus.OPEN:
        raise _refuse(
            pgettext("verification", "answer"),
            _("the request was already answered on %(day)s") % {"day": locked.answered_on},
        )
    before = model_snapshot(locked, ["status", "answer", "answered_on"])
    locked.status = VerificationStatus.ANSWERED
    locked.answer = answer[:2000]
    locked.answered_on = _today()
    if is_staff(by):
        locked.answered_by = by  # type: ignore[assignment]
        locked.owner = locked.owner or by  # type: ignore[assignment]
    locked.save()
    record(
        by=by,
        action="migrants.verification_answer",
        obj=locked,
        before=before,
        after=model_snapshot(locked, ["status", "answer", "answered_on"]),
    )
    exchange_messages.send(
        by=by,
        kind=exchange_messages.ANSWER,
        to_area_code=locked.peer_area_code[:6],
        subject_key=locked.person_id_number,
        body={
            "reference": locked.reference,
            "answer": locked.answer,
            "answered_on": locked.answered_on.isoformat(),
            "from": exchange_messages.self_code(),
        },
        from_area_code=locked.area_id,
    )
    return locked


@transaction.atomic
def verification_answer_receive(
    *, reference: str, answer: str, answered_on: datetime.date, by: Actor
) -> VerificationRequest:
    """The other side's answer to a request we sent (called once per message by the inbox)."""
    locked = (
        VerificationRequest.objects.select_for_update()
        .filter(reference=clean_text(reference), direction=Direction.OUT)
        .first()
    )
    if locked is None:
        raise ValueError(
            _("No verification request “%(reference)s” was sent from here") % {"reference": reference}
        )
    if locked.status == VerificationStatus.ANSWERED:
        return locked
    before = model_snapshot(locked, ["status", "answer", "answered_on"])
    locked.status = VerificationStatus.ANSWERED
    locked.answer = clean_text(answer)[:2000]
    locked.answered_on = answered_on
    # Art. 16: the outcome is notified within 15 working days of the answer (counted from its arrival).
    locked.outcome_due_on = outcome_due_for(max(answered_on, _today()))
    locked.save()
    record(
        by=by,
        action="migrants.verification_answer_receive",
        obj=locked,
        before=before,
        after=model_snapshot(locked, ["status", "answer", "answered_on"]),
    )
    return locked


OUTCOME_WITHIN_DAYS = 15


def outcome_due_for(answered_on: datetime.date) -> datetime.date:
    """Art. 16: the outcome of a verification is notified within 15 working days of the answer."""
    return workdays.add_working_days(answered_on, OUTCOME_WITHIN_DAYS)


@transaction.atomic
def verification_outcome_notify(
    *, verification: VerificationRequest, outcome: str, by: Actor
) -> VerificationRequest:
    """The sender notifies what came of an answered request (the person's case settled, the file
    corrected …); stops the outcome clock. Late, it is recorded against the sender. May be nested."""
    permissions.ensure(by, Capability.HANDLE_VERIFICATIONS, verification.area_id)
    outcome = clean_text(outcome)
    if not outcome:
        raise _refuse(_("outcome"), _("is required"))
    locked = VerificationRequest.objects.select_for_update().get(pk=verification.pk)
    if locked.direction != Direction.OUT or locked.status != VerificationStatus.ANSWERED:
        raise _refuse(_("outcome"), _("only an answered request sent from here has an outcome to notify"))
    if locked.outcome_notified_on is not None:
        raise _refuse(
            _("outcome"),
            _("the outcome was already notified on %(day)s") % {"day": locked.outcome_notified_on},
        )
    today = _today()
    locked.outcome = outcome[:300]
    locked.outcome_notified_on = today
    locked.save(update_fields=["outcome", "outcome_notified_on"])
    record(
        by=by,
        action="migrants.verification_outcome",
        obj=locked,
        after={"outcome": locked.outcome, "notified_on": today, "due_on": locked.outcome_due_on},
    )
    if locked.outcome_due_on is not None and today > locked.outcome_due_on:
        _sender_accountability(locked, clock="outcome", by=by)
    # The side that answered is told (Art. 16): the message leaves with this transaction's commit.
    exchange_messages.send(
        by=by,
        kind=exchange_messages.OUTCOME,
        to_area_code=locked.peer_area_code[:6],
        subject_key=locked.person_id_number,
        body={
            "reference": locked.reference,
            "outcome": locked.outcome,
            "notified_on": today.isoformat(),
            "from": exchange_messages.self_code(),
        },
        from_area_code=locked.area_id,
    )
    return locked


@transaction.atomic
def verification_outcome_receive(
    *, reference: str, outcome: str, notified_on: datetime.date, by: Actor
) -> VerificationRequest:
    """The outcome the requesting side notified of a request answered here (called once per message by
    the inbox; a second delivery changes nothing). May be nested."""
    locked = (
        VerificationRequest.objects.select_for_update()
        .filter(reference=clean_text(reference), direction=Direction.IN)
        .first()
    )
    if locked is None:
        raise ValueError(
            _("No verification request “%(reference)s” was received here") % {"reference": reference}
        )
    outcome = clean_text(outcome)[:300]
    if not outcome:
        raise ValueError(_("The outcome of “%(reference)s” is empty") % {"reference": reference})
    if locked.outcome_notified_on is not None and locked.outcome == outcome:
        return locked
    before = model_snapshot(locked, ["outcome", "outcome_notified_on"])
    locked.outcome = outcome
    locked.outcome_notified_on = notified_on
    locked.save(update_fields=["outcome", "outcome_notified_on"])
    record(
        by=by,
        action="migrants.verification_outcome_receive",
        obj=locked,
        before=before,
        after=model_snapshot(locked, ["outcome", "outcome_notified_on"]),
    )
    return locked


def accountability_subject(request: VerificationRequest, clock: str = "") -> str:
    """How the hall's accountability records name a verification request (and which of the sender's
    clocks, ``send`` or ``outcome``, was missed)."""
    return f"migrants:{request.reference}" + (f":{clock}" if clock else "")


def _clock_detail(request: VerificationRequest, clock: str) -> str:
    if clock == "send":
        return f"协查 {request.reference} 未在需要协查之日起 7 个工作日内发出（应于 {request.send_by:%Y-%m-%d} 前）"
    if clock == "outcome":
        return f"协查 {request.reference} 反馈后未在 15 个工作日内通报结果（应于 {request.outcome_due_on:%Y-%m-%d} 前）"
    return f"协查 {request.reference} 超过反馈时限（{request.due_on:%Y-%m-%d}）仍未反馈"


def _sender_accountability(request: VerificationRequest, *, clock: str, by: Actor) -> int:
    from jisheng.hall import services as hall

    responsible = request.owner_id or office_lead_id(request.area_id)
    if responsible is None:
        return 0
    return int(
        hall.accountability_record_many(
            entries=[
                hall.OtherAccountability(
                    subject=accountability_subject(request, clock),
                    area_code=request.area_id,
                    responsible_id=responsible,
                    kind="overdue",
                    detail=_clock_detail(request, clock),
                )
            ],
            by=by,
            action="migrants.accountability",
        )
    )


def office_lead_id(area_code: str) -> int | None:
    """Who answers for what nobody in an office took on: the active staff member holding
    ``ANSWER_FOR_VERIFICATIONS`` in the township of ``area_code``, else the nearest one above it (the
    county's). None when there is no one."""
    from django.contrib.auth import get_user_model

    from jisheng.areas.codes import parent_code_of

    chain: list[str] = []
    code: str | None = (
        area_code[:9] + "000" if len(area_code) == 12 and area_code[6:9] != "000" else area_code
    )
    while code:
        chain.append(code)
        code = parent_code_of(code)
    roles = permissions.roles_for(Capability.ANSWER_FOR_VERIFICATIONS)
    holders = dict(
        get_user_model()
        .objects.filter(is_active=True, area_id__in=chain, roles__code__in=roles)
        .order_by("-pk")
        .values_list("area_id", "pk")
    )
    return next((holders[code] for code in chain if code in holders), None)


@transaction.atomic
def verification_sweep(*, by: Actor, today: datetime.date | None = None) -> dict[str, int]:
    """Escalate received requests past their due date, and record accountability through the hall's
    mechanism (``hall.services.accountability_record_many``) against the clerk who took each one on, as
    the hall does for its overdue cases, or, for a request nobody took on, against the receiving
    office's lead (``office_lead_id``). On the sender's side, an answered request whose outcome is
    not notified in time is escalated and recorded the same way (Art. 16). Once per request. May be
    nested."""
    from jisheng.hall import services as hall

    today = today or _today()
    overdue = list(
        VerificationRequest.objects.filter(
            direction=Direction.IN,
            status=VerificationStatus.OPEN,
            due_on__lt=today,
            escalated_on__isnull=True,
        ).order_by("pk")
    )
    VerificationRequest.objects.filter(pk__in=[row.pk for row in overdue]).update(escalated_on=today)
    late_outcomes = list(
        VerificationRequest.objects.filter(
            direction=Direction.OUT,
            status=VerificationStatus.ANSWERED,
            outcome_notified_on__isnull=True,
            outcome_due_on__lt=today,
            outcome_escalated_on__isnull=True,
        ).order_by("pk")
    )
    VerificationRequest.objects.filter(pk__in=[row.pk for row in late_outcomes]).update(
        outcome_escalated_on=today
    )
    for row in overdue:
        record(
            by=by,
            action="migrants.verification_escalate",
            obj=row,
            after={"escalated_on": today, "due_on": row.due_on, "owner": row.owner_id},
        )
    for row in late_outcomes:
        record(
            by=by,
            action="migrants.verification_outcome_escalate",
            obj=row,
            after={"escalated_on": today, "outcome_due_on": row.outcome_due_on, "owner": row.owner_id},
        )
    leads: dict[str, int | None] = {}
    entries = []
    for clock, rows in (("", overdue), ("outcome", late_outcomes)):
        for row in rows:
            responsible = row.owner_id
            if responsible is None:
                if row.area_id not in leads:
                    leads[row.area_id] = office_lead_id(row.area_id)
                responsible = leads[row.area_id]
            if responsible is None:
                continue
            entries.append(
                hall.OtherAccountability(
                    subject=accountability_subject(row, clock),
                    area_code=row.area_id,
                    responsible_id=responsible,
                    kind="overdue",
                    detail=_clock_detail(row, clock),
                )
            )
    recorded = hall.accountability_record_many(entries=entries, by=by, action="migrants.accountability")
    return {"overdue": len(overdue), "late_outcomes": len(late_outcomes), "accountability": recorded}
