"""The floating population's operations for the village officer's phone and the counter: people away
with their 四个一, returns, arrivals with the certificate check, the verification queue and answers.
Each write is one service call; a refusal is a 400 whose detail names the field."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability
from jisheng.areas.scoping import get_visible_or_404, visible_area
from jisheng.registry.models import Person

from . import queries, services
from .models import Arrival, Departure, Direction, VerificationRequest

router = Router(tags=["migrants"])


class DepartureOut(Schema):
    id: int
    person_id: int
    name: str
    area_code: str
    destination_code: str
    destination_name: str
    left_on: datetime.date
    reason: str
    returned_on: datetime.date | None
    certificate_number: str | None
    missing: list[str]

    @staticmethod
    def of(item: Departure) -> DepartureOut:
        return DepartureOut(
            id=item.pk,
            person_id=item.person_id,
            name=item.person.name,
            area_code=item.area_id,
            destination_code=item.destination_code,
            destination_name=item.destination_name,
            left_on=item.left_on,
            reason=item.reason,
            returned_on=item.returned_on,
            certificate_number=item.certificate.number if item.certificate else None,
            missing=item.missing,
        )


class DepartureIn(Schema):
    person_id: int
    destination: str
    left_on: datetime.date
    reason: str = "work"
    address: str = ""
    employer: str = ""
    phone: str = ""
    contact_phone: str = ""
    contraception: str = ""
    agreement_signed: bool = False


class ChecklistIn(Schema):
    contact_phone: str | None = None
    contraception: str | None = None
    agreement_signed_on: datetime.date | None = None


class DayIn(Schema):
    day: datetime.date


class ArrivalOut(Schema):
    id: int
    person_id: int
    name: str
    area_code: str
    origin_code: str
    arrived_on: datetime.date
    certificate_number: str
    certificate_valid: bool | None
    certificate_check: str
    certificate_due_on: datetime.date
    left_on: datetime.date | None

    @staticmethod
    def of(item: Arrival) -> ArrivalOut:
        return ArrivalOut(
            id=item.pk,
            person_id=item.person_id,
            name=item.person.name,
            area_code=item.area_id,
            origin_code=item.origin_code,
            arrived_on=item.arrived_on,
            certificate_number=item.certificate_number,
            certificate_valid=item.certificate_valid,
            certificate_check=item.certificate_check,
            certificate_due_on=item.certificate_due_on,
            left_on=item.left_on,
        )


class ArrivalIn(Schema):
    village: str
    id_number: str
    arrived_on: datetime.date
    name: str = ""
    origin: str = ""
    phone: str = ""
    address: str = ""
    employer: str = ""
    contraception: str = ""
    pregnant: bool = False
    certificate: str = ""


class CheckIn(Schema):
    text: str


class VerificationOut(Schema):
    id: int
    reference: str
    direction: str
    name: str
    peer_area_code: str
    question: str
    priority: str
    sent_on: datetime.date
    due_on: datetime.date
    status: str
    answer: str
    answered_on: datetime.date | None
    escalated_on: datetime.date | None

    @staticmethod
    def of(item: VerificationRequest) -> VerificationOut:
        return VerificationOut(
            id=item.pk,
            reference=item.reference,
            direction=item.direction,
            name=item.person_name,
            peer_area_code=item.peer_area_code,
            question=item.question,
            priority=item.priority,
            sent_on=item.sent_on,
            due_on=item.due_on,
            status=item.status,
            answer=item.answer,
            answered_on=item.answered_on,
            escalated_on=item.escalated_on,
        )


class AnswerIn(Schema):
    answer: str


def _refused(refusal: Exception) -> HttpError:
    if isinstance(refusal, PermissionDenied):
        return HttpError(403, str(refusal) or "无权进行此操作")
    messages = getattr(refusal, "messages", None) or [str(refusal)]
    return HttpError(400, "；".join(str(m) for m in messages))


def _reader(request: HttpRequest) -> None:
    if not permissions.holds(request.user, Capability.READ_MIGRANTS):
        raise HttpError(403, "无权查看流动人口")


@router.get("/away", response=list[DepartureOut], summary="People away (流出), newest first")
def away(
    request: HttpRequest,
    destination: str = "",
    duration: str = "",
    incomplete: bool = False,
    limit: int = 100,
) -> list[DepartureOut]:
    _reader(request)
    how = queries.AwayFilter(destination=destination[:6], duration=duration, incomplete=incomplete)
    rows = queries.persons_away(request.user, how)[: max(1, min(limit, queries.LIST_LIMIT))]
    return [DepartureOut.of(row) for row in rows]


@router.post("/away", response={201: DepartureOut}, summary="Record a departure with its 四个一")
def departure_create(request: HttpRequest, data: DepartureIn) -> Status:
    person = get_visible_or_404(Person.objects.all(), request.user, pk=data.person_id)
    try:
        item = services.departure_record(
            person=person,
            destination=data.destination,
            left_on=data.left_on,
            reason=data.reason,
            address=data.address,
            employer=data.employer,
            phone=data.phone,
            contact_phone=data.contact_phone,
            contraception=data.contraception,
            agreement_signed=data.agreement_signed,
            by=request.user,  # type: ignore[arg-type]
        )
    except (ValidationError, PermissionDenied) as refusal:
        raise _refused(refusal) from refusal
    return Status(201, DepartureOut.of(item))


@router.get("/away/{int:departure_id}", response=DepartureOut, summary="One person away")
def departure_get(request: HttpRequest, departure_id: int) -> DepartureOut:
    _reader(request)
    item = get_visible_or_404(
        Departure.objects.select_related("person", "certificate"), request.user, pk=departure_id
    )
    return DepartureOut.of(item)


@router.post("/away/{int:departure_id}/checklist", response=DepartureOut, summary="Fill in the 四个一")
def departure_checklist(request: HttpRequest, departure_id: int, data: ChecklistIn) -> DepartureOut:
    item = get_visible_or_404(Departure.objects.all(), request.user, pk=departure_id)
    try:
        item = services.departure_checklist_update(
            departure=item,
            contact_phone=data.contact_phone,
            contraception=data.contraception,
            agreement_signed_on=data.agreement_signed_on,
            by=request.user,  # type: ignore[arg-type]
        )
    except (ValidationError, PermissionDenied) as refusal:
        raise _refused(refusal) from refusal
    return DepartureOut.of(item)


@router.post("/away/{int:departure_id}/return", response=DepartureOut, summary="Record the return home")
def departure_return(request: HttpRequest, departure_id: int, data: DayIn) -> DepartureOut:
    item = get_visible_or_404(Departure.objects.all(), request.user, pk=departure_id)
    try:
        item = services.departure_return(departure=item, returned_on=data.day, by=request.user)  # type: ignore[arg-type]
    except (ValidationError, PermissionDenied) as refusal:
        raise _refused(refusal) from refusal
    return DepartureOut.of(item)


@router.get("/arrived", response=list[ArrivalOut], summary="People arrived (流入) and still here")
def arrived(request: HttpRequest, overdue: bool = False, limit: int = 100) -> list[ArrivalOut]:
    _reader(request)
    rows = queries.persons_arrived(request.user, overdue=overdue)[: max(1, min(limit, queries.LIST_LIMIT))]
    return [ArrivalOut.of(row) for row in rows]


@router.post("/arrived", response={201: ArrivalOut}, summary="Record an arrival (and check the certificate)")
def arrival_create(request: HttpRequest, data: ArrivalIn) -> Status:
    village = visible_area(request.user, data.village)
    if village is None:
        raise HttpError(404, "村不存在或不在本人辖区")
    try:
        item = services.arrival_record(
            village=village,
            id_number=data.id_number,
            name=data.name,
            origin=data.origin,
            arrived_on=data.arrived_on,
            phone=data.phone,
            address=data.address,
            employer=data.employer,
            contraception=data.contraception,
            pregnant=data.pregnant,
            certificate_text=data.certificate,
            by=request.user,  # type: ignore[arg-type]
        )
    except (ValidationError, PermissionDenied) as refusal:
        raise _refused(refusal) from refusal
    return Status(201, ArrivalOut.of(item))


@router.post(
    "/arrived/{int:arrival_id}/certificate", response=ArrivalOut, summary="Check the 婚育证明 handed in"
)
def arrival_check(request: HttpRequest, arrival_id: int, data: CheckIn) -> ArrivalOut:
    item = get_visible_or_404(Arrival.objects.select_related("person"), request.user, pk=arrival_id)
    try:
        item = services.arrival_certificate_check(arrival=item, text=data.text, by=request.user)  # type: ignore[arg-type]
    except (ValidationError, PermissionDenied) as refusal:
        raise _refused(refusal) from refusal
    return ArrivalOut.of(item)


@router.get("/verifications", response=list[VerificationOut], summary="The verification queue (协查)")
def verifications(
    request: HttpRequest, direction: str = "in", open_only: bool = True, limit: int = 100
) -> list[VerificationOut]:
    _reader(request)
    side = Direction.OUT if direction == "out" else Direction.IN
    rows = queries.verification_queue(request.user, direction=side, open_only=open_only)
    return [VerificationOut.of(row) for row in rows[: max(1, min(limit, queries.LIST_LIMIT))]]


@router.post("/verifications/{int:verification_id}/answer", response=VerificationOut, summary="Answer (反馈)")
def verification_answer(request: HttpRequest, verification_id: int, data: AnswerIn) -> VerificationOut:
    item = get_visible_or_404(VerificationRequest.objects.all(), request.user, pk=verification_id)
    try:
        item = services.verification_answer(verification=item, answer=data.answer, by=request.user)  # type: ignore[arg-type]
    except (ValidationError, PermissionDenied) as refusal:
        raise _refused(refusal) from refusal
    return VerificationOut.of(item)
