"""Petitions (信访), suggestions and the rectification ledger over the API: the responsible person's
list, a matter, recording one, its steps, the ledger. Errors are JSON ({detail: …}) as documented for
every operation."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from jisheng.accounts import permissions
from jisheng.accounts.http import AuthenticatedHttpRequest
from jisheng.accounts.permissions import Capability
from jisheng.areas.models import Area
from jisheng.areas.scoping import get_visible_or_404, visible_area

from . import queries, services
from .models import LedgerItem, Matter


def _area(user: Any, code: str | None) -> Area:
    """An area the user may see (their own when none is named), or a refusal naming the field."""
    found = visible_area(user, code or "") if code else getattr(user, "area", None)
    if found is None:
        raise ValidationError(_("“Area”: no such area in yours"))
    return found  # type: ignore[no-any-return]


router = Router(tags=["petitions"])


class MatterRow(Schema):
    id: int
    number: str
    title: str
    kind: str
    field: str
    channel: str
    status: str
    risk: str
    received_on: datetime.date
    current_due: datetime.date | None
    overdue: bool


class MatterOut(Schema):
    id: int
    number: str
    title: str
    facts: str
    kind: str
    field: str
    channel: str
    status: str
    risk: str
    area_id: str
    responsible_id: int | None
    received_on: datetime.date
    accept_due: datetime.date
    accepted_on: datetime.date | None
    due_on: datetime.date | None
    opinion: str
    legal_basis: str
    reply: str
    review_due: datetime.date | None
    refusal_reason: str
    final: bool


class MatterIn(Schema):
    area: str
    petitioner: str = "person"
    name: str = ""
    phone: str = ""
    id_number: str = ""
    representatives: list[str] = []
    kind: str
    channel: str
    field: str
    title: str
    facts: str
    risk: str = "low"
    repeat_of: str = ""


class ReplyIn(Schema):
    opinion: str
    legal_basis: str = ""
    reply: str


class TextIn(Schema):
    text: str


class LedgerOut(Schema):
    id: int
    title: str
    source: str
    source_ref: str
    responsible_id: int
    office: str
    deadline: datetime.date
    status: str
    satisfaction: str


@contextmanager
def _answers() -> Iterator[None]:
    """A refused step answers 400 with the reason, a step outside one's area 403."""
    try:
        yield
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or _("You may not take this step.")) from exc
    except ValidationError as exc:
        raise HttpError(400, " ".join(exc.messages)) from exc


def _matter(request: AuthenticatedHttpRequest, matter_id: int) -> Matter:
    if not permissions.holds(request.user, Capability.READ_PETITIONS):
        raise HttpError(403, _("You may not take this step."))
    return queries.matter_for_page(request.user, matter_id)


@router.get(
    "/mine", response=list[MatterRow], summary="The responsible person's open matters, nearest limit first"
)
def mine(request: AuthenticatedHttpRequest) -> list[dict[str, Any]]:
    if not permissions.holds(request.user, Capability.READ_PETITIONS):
        raise HttpError(403, _("You may not take this step."))
    return queries.my_open_matters(request.user).rows


@router.get("/matters/{int:matter_id}", response=MatterOut, summary="A matter")
def matter_get(request: AuthenticatedHttpRequest, matter_id: int) -> Matter:
    return _matter(request, matter_id)


@router.post("/matters", response={201: MatterOut}, summary="Record a matter (starts its clocks)")
def matter_create(request: AuthenticatedHttpRequest, data: MatterIn) -> Status:
    with _answers():
        area = _area(request.user, data.area)
        try:
            repeat_of = (
                get_visible_or_404(Matter.objects.all(), request.user, number=data.repeat_of)
                if data.repeat_of
                else None
            )
        except Http404 as exc:
            raise HttpError(404, _("Not found in your area.")) from exc
        file = services.file_open(
            area=area,
            kind=data.petitioner,
            name=data.name,
            phone=data.phone,
            id_number=data.id_number,
            representatives=data.representatives,
            by=request.user,
        )
        matter = services.matter_receive(
            file=file,
            area=area,
            kind=data.kind,
            channel=data.channel,
            field=data.field,
            title=data.title,
            facts=data.facts,
            risk=data.risk,
            repeat_of=repeat_of,
            by=request.user,
        )
    return Status(201, matter)


def _step(request: AuthenticatedHttpRequest, matter_id: int, call: Callable[[Matter], Matter]) -> Matter:
    matter = _matter(request, matter_id)
    with _answers():
        return call(matter)


@router.post(
    "/matters/{int:matter_id}/accept", response=MatterOut, summary="Accept (the notice of acceptance)"
)
def matter_accept(request: AuthenticatedHttpRequest, matter_id: int) -> Matter:
    return _step(request, matter_id, lambda m: services.matter_accept(matter=m, by=request.user))


@router.post("/matters/{int:matter_id}/reply", response=MatterOut, summary="Issue the written reply")
def matter_reply(request: AuthenticatedHttpRequest, matter_id: int, data: ReplyIn) -> Matter:
    return _step(
        request,
        matter_id,
        lambda m: services.matter_reply(
            matter=m, opinion=data.opinion, legal_basis=data.legal_basis, reply=data.reply, by=request.user
        ),
    )


@router.post(
    "/matters/{int:matter_id}/review-answer", response=MatterOut, summary="The office above answers a review"
)
def review_answer(request: AuthenticatedHttpRequest, matter_id: int, data: TextIn) -> Matter:
    return _step(
        request, matter_id, lambda m: services.review_answer(matter=m, answer=data.text, by=request.user)
    )


@router.get("/ledger", response=list[LedgerOut], summary="The rectification ledger of one's area (first 200)")
def ledger(request: AuthenticatedHttpRequest, status: str = "") -> list[LedgerItem]:
    if not permissions.holds(request.user, Capability.READ_PETITIONS):
        raise HttpError(403, _("You may not take this step."))
    return list(queries.ledger_list(request.user, status=status)[:200])
