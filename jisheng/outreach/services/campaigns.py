"""Campaigns and events, and care gifts on visits to households in difficulty (four eyes)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability
from jisheng.audit.services import model_snapshot, record
from jisheng.audit.transitions import transition
from jisheng.core.actor import Actor, is_staff

from ..models import Campaign, CareGift, Visit
from . import common


def _user(by: Actor) -> Any:
    return by if is_staff(by) else None


@transaction.atomic
def campaign_record(
    *,
    by: Actor,
    area: Any,
    name: str,
    kind: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    places: str,
    staff: str = "",
    services: str = "",
    people_reached: int = 0,
) -> Campaign:
    """A campaign or event (a 5.29 care day, a market health day…). May be nested."""
    permissions.ensure(by, Capability.RECORD_CAMPAIGNS, area.code)
    if kind not in Campaign.Kind.values:
        raise common.refuse("kind", _("Choose the kind of campaign."))
    if starts_on is None or ends_on is None or ends_on < starts_on:
        raise common.refuse("ends_on", _("The campaign cannot end before it starts."))
    if int(people_reached) < 0:
        raise common.refuse("people_reached", _("Cannot be negative."))
    campaign = Campaign.objects.create(
        area=area,
        name=common.text(name, field="name", max_length=64, required=True),
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        places=common.text(places, field="places", max_length=255, required=True),
        staff=common.text(staff, field="staff", max_length=255),
        services=common.text(services, field="services", max_length=255),
        people_reached=int(people_reached),
        recorded_by=_user(by),
    )
    record(by=by, action="outreach.campaign_record", obj=campaign, after=model_snapshot(campaign))
    return campaign


def campaign_reached(*, by: Actor, campaign: Campaign, people_reached: int) -> Campaign:
    """Correct the number of people reached once the event is counted. May be nested."""
    permissions.ensure(by, Capability.RECORD_CAMPAIGNS, campaign.area_id)
    if int(people_reached) < 0:
        raise common.refuse("people_reached", _("Cannot be negative."))
    with transition(
        campaign, by=by, action="outreach.campaign_reached", allowed=None, field="kind"
    ) as locked:
        locked.people_reached = int(people_reached)
    return locked


@transaction.atomic
def gift_propose(
    *, by: Actor, visit: Visit, occasion: str, money: Any = 0, goods: str = "", goods_value: Any = 0
) -> CareGift:
    """Propose a gift (money and/or goods) on a care visit; the money is given only once an approver
    other than the proposer approves it. May be nested."""
    permissions.ensure(by, Capability.PROPOSE_CARE_GIFT, visit.area_id)
    if occasion not in CareGift.Occasion.values:
        raise common.refuse("occasion", _("Choose the occasion."))
    cash = common.amount(money or 0, field="money")
    worth = common.amount(goods_value or 0, field="goods_value")
    goods = common.text(goods, field="goods", max_length=128)
    if cash == 0 and not goods:
        raise common.refuse("money", _("A gift is money, goods or both."))
    if worth > 0 and not goods:
        raise common.refuse("goods", _("Say what the goods are."))
    gift = CareGift.objects.create(
        household_id=visit.household_id,
        visit=visit,
        area_id=visit.area_id,
        occasion=occasion,
        money=cash,
        goods=goods,
        goods_value=worth,
        proposed_by=_user(by),
    )
    record(by=by, action="outreach.gift_propose", obj=gift, after=model_snapshot(gift))
    return gift


def gift_approve(*, by: Actor, gift: CareGift, accept: bool = True, reason: str = "") -> CareGift:
    """Approve (or refuse) a proposed gift: four eyes, the proposer may not. May be nested."""
    permissions.ensure(by, Capability.APPROVE_CARE_GIFT, gift.area_id)
    permissions.ensure_different_person(by, step="approve", earlier={"propose": gift.proposed_by})
    if not accept:
        reason = common.text(reason, field="reason", max_length=255, required=True)
    with transition(
        gift,
        by=by,
        action="outreach.gift_approve" if accept else "outreach.gift_refuse",
        allowed=[CareGift.Status.PROPOSED],
        reason=reason,
    ) as locked:
        locked.status = CareGift.Status.APPROVED if accept else CareGift.Status.REFUSED
        locked.approved_by = _user(by)
        locked.approved_at = timezone.now()
    return locked


def gift_given(*, by: Actor, gift: CareGift, given_on: datetime.date) -> CareGift:
    """The approved gift was handed over. May be nested."""
    permissions.ensure(by, Capability.PROPOSE_CARE_GIFT, gift.area_id)
    day = common.past_date(given_on, field="given_on")
    with transition(gift, by=by, action="outreach.gift_given", allowed=[CareGift.Status.APPROVED]) as locked:
        locked.status = CareGift.Status.GIVEN
        locked.given_on = day
    return locked
