"""Visits, pairings, help given, and the hand-off of a visit's problem to an office."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability
from jisheng.audit.services import model_snapshot, record
from jisheng.audit.transitions import transition
from jisheng.core.actor import Actor, describe, is_staff

from ..models import Handoff, HelpRecord, Pairing, Visit
from . import common


def _user(by: Actor) -> Any:
    return by if is_staff(by) else None


def _name(by: Actor) -> str:
    return str(getattr(by, "full_name", "") or describe(by))


def visit_record(
    *,
    by: Actor,
    household: Any,
    visited_on: datetime.date,
    met: str,
    asked: str,
    promised: str,
    follow_up_due: datetime.date | None,
    client_id: str | None = None,
    visitors: str = "",
    needs_office: bool | None = None,
    pairing: Pairing | None = None,
) -> Visit:
    """Record a visit to a household. With ``client_id`` (the id the phone gave it) a retry returns the
    visit already recorded instead of a second one. What was asked or promised goes to the offices as a
    ``Handoff`` (``needs_office=False`` when the village settles it itself). May be nested."""
    permissions.ensure(by, Capability.RECORD_VISITS, household.area_id)
    key = common.client_id(client_id)
    if key is not None:
        existing = Visit.objects.filter(client_id=key).first()
        if existing is not None:
            return _same_visit(existing, household)
    day = common.past_date(visited_on, field="visited_on")
    fields = {
        "visited_on": day,
        "met": common.text(met, field="met", max_length=128),
        "asked": common.text(asked, field="asked", max_length=2000),
        "promised": common.text(promised, field="promised", max_length=2000),
        "visitors": common.text(visitors, field="visitors", max_length=128) or _name(by)[:128],
    }
    if follow_up_due is not None and follow_up_due < day:
        raise common.refuse("follow_up_due", _("The follow-up cannot be due before the visit."))
    if pairing is not None and pairing.household_id != household.pk:
        raise common.refuse("pairing", _("This pairing is with another household."))
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                household=household,
                area_id=household.area_id,
                follow_up_due=follow_up_due,
                client_id=key,
                recorded_by=_user(by),
                pairing=pairing,
                **fields,
            )
            record(
                by=by,
                action="outreach.visit_record",
                obj=visit,
                after=model_snapshot(visit, common.plain_fields(Visit)),
            )
            wanted = bool(visit.asked or visit.promised) if needs_office is None else needs_office
            if wanted:
                summary = "\n".join(
                    part
                    for part in (
                        _("Asked: %(text)s") % {"text": visit.asked} if visit.asked else "",
                        _("Promised: %(text)s") % {"text": visit.promised} if visit.promised else "",
                    )
                    if part
                ) or _("Needs an office (see the visit).")
                handoff = Handoff.objects.create(
                    visit=visit,
                    household=household,
                    area_id=household.area_id,
                    summary=summary,
                    due=follow_up_due,
                )
                record(
                    by=by,
                    action="outreach.handoff_open",
                    obj=handoff,
                    after=model_snapshot(handoff, common.plain_fields(Handoff)),
                )
    except IntegrityError:
        # The same phone's retry raced this one past the look-up above: the first one stands.
        existing = Visit.objects.filter(client_id=key).first() if key else None
        if existing is None:
            raise
        return _same_visit(existing, household)
    return visit


def _same_visit(existing: Visit, household: Any) -> Visit:
    if existing.household_id != household.pk:
        raise common.refuse("client_id", _("This id was already used for a visit to another household."))
    return existing


def handoff_take(*, by: Actor, handoff: Handoff, reference: str) -> Handoff:
    """An office takes the problem into its ledger (the petitions app calls this with its item number).
    Taking it again with the same reference returns it unchanged, so a retry is harmless. May be nested."""
    permissions.ensure(by, Capability.TAKE_HANDOFFS, handoff.area_id)
    reference = common.text(reference, field="reference", max_length=64, required=True)
    current = Handoff.objects.get(pk=handoff.pk)
    if current.status == Handoff.Status.HANDED_OFF and current.reference == reference:
        return current
    with transition(
        handoff,
        by=by,
        action="outreach.handoff_take",
        allowed=[Handoff.Status.OPEN],
        fields=common.plain_fields(Handoff),
    ) as locked:
        locked.status = Handoff.Status.HANDED_OFF
        locked.reference = reference
        locked.decided_by = describe(by)[:150]
        locked.decided_at = timezone.now()
    return locked


def handoff_settle(*, by: Actor, handoff: Handoff, note: str) -> Handoff:
    """The village settled it without an office; the note says how. May be nested."""
    permissions.ensure(by, Capability.RECORD_VISITS, handoff.area_id)
    note = common.text(note, field="note", max_length=64, required=True)
    with transition(
        handoff,
        by=by,
        action="outreach.handoff_settle",
        allowed=[Handoff.Status.OPEN],
        reason=note,
        fields=common.plain_fields(Handoff),
    ) as locked:
        locked.status = Handoff.Status.SETTLED
        locked.reference = note
        locked.decided_by = describe(by)[:150]
        locked.decided_at = timezone.now()
    return locked


@transaction.atomic
def pairing_start(
    *, by: Actor, cadre: Any, household: Any, difficulty: str, started_on: datetime.date
) -> Pairing:
    """Pair a cadre with a household in difficulty. May be nested."""
    permissions.ensure(by, Capability.RECORD_VISITS, household.area_id)
    if not permissions.may(cadre, Capability.RECORD_VISITS, household.area_id):
        raise common.refuse("cadre", _("This person cannot visit households of this village."))
    if Pairing.objects.filter(cadre=cadre, household=household, status=Pairing.Status.ACTIVE).exists():
        raise common.refuse("household", _("This cadre is already paired with this household."))
    pairing = Pairing.objects.create(
        cadre=cadre,
        household=household,
        area_id=household.area_id,
        difficulty=common.text(difficulty, field="difficulty", max_length=128, required=True),
        started_on=common.past_date(started_on, field="started_on"),
    )
    record(by=by, action="outreach.pairing_start", obj=pairing, after=model_snapshot(pairing))
    return pairing


def pairing_end(*, by: Actor, pairing: Pairing, ended_on: datetime.date, reason: str) -> Pairing:
    permissions.ensure(by, Capability.RECORD_VISITS, pairing.area_id)
    day = common.past_date(ended_on, field="ended_on")
    if day < pairing.started_on:
        raise common.refuse("ended_on", _("The pairing cannot end before it started."))
    reason = common.text(reason, field="reason", max_length=255, required=True)
    with transition(
        pairing, by=by, action="outreach.pairing_end", allowed=[Pairing.Status.ACTIVE], reason=reason
    ) as locked:
        locked.status = Pairing.Status.ENDED
        locked.ended_on = day
    return locked


@transaction.atomic
def help_record(
    *, by: Actor, pairing: Pairing, given_on: datetime.date, description: str, value: Any = None
) -> HelpRecord:
    """Help given to the paired household. May be nested."""
    permissions.ensure(by, Capability.RECORD_VISITS, pairing.area_id)
    if pairing.status != Pairing.Status.ACTIVE:
        raise ValidationError(_("This pairing has ended."))
    worth: decimal.Decimal | None = None
    if value not in (None, ""):
        worth = common.amount(value, field="value")
    help_given = HelpRecord.objects.create(
        pairing=pairing,
        area_id=pairing.area_id,
        given_on=common.past_date(given_on, field="given_on"),
        description=common.text(description, field="description", max_length=255, required=True),
        value=worth,
        recorded_by=_user(by),
    )
    record(by=by, action="outreach.help_record", obj=help_given, after=model_snapshot(help_given))
    return help_given
