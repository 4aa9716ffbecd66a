"""API of outreach: the phone's visits and hand-outs (with the client id that makes a retry harmless),
the hand-offs an office pulls and takes, and the area's screening figures. Health values are never in
an answer. Errors are JSON: 400 with the field named, 403, 404."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError

from jisheng.areas.scoping import get_visible_or_404, user_prefix, visible_area
from jisheng.core.text import normalize_code
from jisheng.registry.models import Household, Person
from jisheng.registry.queries import person_by_id_number

from . import queries, services
from .models import Campaign, Handoff, SupplyItem, Visit

router = Router(tags=["outreach"])
T = TypeVar("T")


def _call(fn: Callable[..., T], **kwargs: Any) -> T:
    try:
        return fn(**kwargs)
    except ValidationError as error:
        detail = (
            "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
            if hasattr(error, "error_dict")
            else " ".join(error.messages)
        )
        raise HttpError(400, detail) from None
    except PermissionDenied as error:
        raise HttpError(403, str(error) or _("You may not take this step.")) from None


class VisitIn(Schema):
    household: str  # the household number
    visited_on: datetime.date
    met: str = ""
    asked: str = ""
    promised: str = ""
    follow_up_due: datetime.date | None = None
    visitors: str = ""
    needs_office: bool | None = None
    client_id: str | None = None


class TakeIn(Schema):
    reference: str


class HandOutIn(Schema):
    item: str  # the item's code
    quantity: int
    moved_on: datetime.date
    person_id_number: str | None = None
    campaign: int | None = None
    client_id: str | None = None


def _visit_out(visit: Visit) -> dict[str, Any]:
    return {
        "id": visit.pk,
        "household": visit.household_id,
        "area": visit.area_id,
        "visited_on": visit.visited_on,
        "visitors": visit.visitors,
        "met": visit.met,
        "asked": visit.asked,
        "promised": visit.promised,
        "follow_up_due": visit.follow_up_due,
        "client_id": visit.client_id,
    }


def _handoff_out(handoff: Handoff) -> dict[str, Any]:
    return {
        "id": handoff.pk,
        "visit": handoff.visit_id,
        "household": handoff.household_id,
        "household_number": handoff.household.number,
        "area": handoff.area_id,
        "summary": handoff.summary,
        "due": handoff.due,
        "visited_on": handoff.visit.visited_on,
        "status": handoff.status,
        "reference": handoff.reference,
    }


@router.get("/visits")
def visit_list(request: HttpRequest, limit: int = 100) -> list[dict[str, Any]]:
    return [_visit_out(v) for v in queries.visits_of_area(request.user)[: max(1, min(limit, 500))]]


@router.post("/visits")
def visit_create(request: HttpRequest, payload: VisitIn) -> dict[str, Any]:
    """Record a visit; sending it again with the same ``client_id`` returns the visit already recorded."""
    household = (
        Household.objects.visible_to(request.user).filter(number=normalize_code(payload.household)).first()
    )
    if household is None:
        raise HttpError(404, _("No household with this number in your area."))
    visit = _call(
        services.visit_record,
        by=request.user,
        household=household,
        visited_on=payload.visited_on,
        met=payload.met,
        asked=payload.asked,
        promised=payload.promised,
        follow_up_due=payload.follow_up_due,
        client_id=payload.client_id,
        visitors=payload.visitors,
        needs_office=payload.needs_office,
    )
    return _visit_out(visit)


@router.get("/handoffs")
def handoff_list(request: HttpRequest) -> list[dict[str, Any]]:
    """What visits found that needs an office and no office has taken yet."""
    return [_handoff_out(h) for h in queries.handoffs(request.user)[:500]]


@router.post("/handoffs/{handoff_id}/take")
def handoff_take(request: HttpRequest, handoff_id: int, payload: TakeIn) -> dict[str, Any]:
    handoff = get_visible_or_404(
        Handoff.objects.select_related("visit", "household"), request.user, pk=handoff_id
    )
    taken = _call(services.handoff_take, by=request.user, handoff=handoff, reference=payload.reference)
    taken.visit, taken.household = handoff.visit, handoff.household
    return _handoff_out(taken)


@router.post("/handouts")
def handout_create(request: HttpRequest, payload: HandOutIn) -> dict[str, Any]:
    """Hand supplies out from the caller's own store to a person or at an event."""
    area = getattr(request.user, "area", None)
    item = SupplyItem.objects.filter(code=payload.item).first()
    if item is None or area is None:
        raise HttpError(404, _("No such item."))
    person = None
    if payload.person_id_number:
        person = person_by_id_number(payload.person_id_number, within=Person.objects.visible_to(request.user))
        if person is None:
            raise HttpError(404, _("No person with this ID number in your area."))
    campaign = (
        get_visible_or_404(Campaign.objects.all(), request.user, pk=payload.campaign)
        if payload.campaign
        else None
    )
    moves = _call(
        services.stock_hand_out,
        by=request.user,
        area=area,
        item=item,
        quantity=payload.quantity,
        moved_on=payload.moved_on,
        person=person,
        campaign=campaign,
        client_id=payload.client_id,
    )
    return {"movements": [m.pk for m in moves], "quantity": -sum(m.quantity for m in moves)}


@router.get("/screening-rates")
def screening_rates(
    request: HttpRequest, start: datetime.date, end: datetime.date, area: str = ""
) -> dict[str, Any]:
    """Invited, screened, abnormal and referred in the area for the period, and the rate (counts only)."""
    prefix = user_prefix(request.user)
    if prefix is None:
        raise HttpError(403, _("You may not take this step."))
    if area:
        found = visible_area(request.user, area)
        if found is None:
            raise HttpError(404, _("No such area, or it is outside your area."))
        prefix = found.prefix
    if end < start or (end - start).days > 366:
        raise HttpError(400, _("Give a period of at most a year, its end after its start."))
    return {"area_prefix": prefix, **queries.screening_rates(prefix, start, end)}
