"""The offline app's API: the village download (full or incremental), sending one outbox record,
asking what became of a record, and recording a conflict decision.

Answers of ``POST /records``: 200 applied (a record sent again gets the first answer, ``replayed``
true), 400 refused (``errors``: field, label, message in Chinese), 409 conflict (the server's current
values and version). Nothing is applied by a 400 or a 409; the phone sends the record again, under the
same client id, once corrected or decided.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability
from jisheng.audit.disclosure import disclosure_record
from jisheng.core.text import InputError, check_id_number
from jisheng.registry.models import Person
from jisheng.registry.validation import Refusal, mask_id

from . import services, sync
from .models import AppliedRecord

router = Router(tags=["offline"])


class VillageOut(Schema):
    code: str
    name: str


class SyncIn(Schema):
    village: str = ""
    cursor: str = ""
    known: dict[str, dict[str, str]] = Field(default_factory=dict)


class SyncOut(Schema):
    village: VillageOut
    cursor: str
    unchanged: bool
    persons: list[dict[str, Any]]
    households: list[dict[str, Any]]
    removed: dict[str, list[int]]
    tasks: list[dict[str, Any]]
    forms: list[dict[str, Any]]
    server_time: str


class RecordIn(Schema):
    client_id: uuid.UUID
    kind: str = Field(max_length=32)
    payload: dict[str, Any]
    captured_at: datetime.datetime | None = None


class RecordOut(Schema):
    status: str
    client_id: str
    replayed: bool = False
    body: dict[str, Any]


class ErrorOut(Schema):
    detail: str


class LookupOut(Schema):
    person: dict[str, Any]


class DecisionIn(Schema):
    client_id: uuid.UUID
    person: int
    server_version: str = Field(max_length=32)
    fields: list[str] = Field(default_factory=list)


def _user(request: HttpRequest) -> Any:
    user = request.user
    if not permissions.holds(user, Capability.CAPTURE_OFFLINE):
        raise HttpError(403, _("You may not use the offline app."))
    return user


def _sync(request: HttpRequest, village: str, cursor: str, known: dict[str, dict[str, str]]) -> Any:
    try:
        return sync.sync(_user(request), village_code=village, cursor=cursor, known=known)
    except Refusal as refusal:
        raise HttpError(400, str(refusal)) from refusal
    except PermissionDenied as denied:
        raise HttpError(403, str(denied) or _("You may not use the offline app.")) from denied


@router.get("/villages", response=list[VillageOut], summary="The villages the user may take along")
def villages(request: HttpRequest) -> list[Any]:
    return sync.villages_for(_user(request))


@router.get("/village", response=SyncOut, summary="The whole village as the phone holds it")
def village(request: HttpRequest, village: str = "") -> Any:
    return _sync(request, village[:12], "", {})


@router.post(
    "/sync",
    response=SyncOut,
    summary="What changed since the phone's copy: new and changed records, and those to remove",
)
def sync_changes(request: HttpRequest, data: SyncIn) -> Any:
    return _sync(request, data.village[:12], data.cursor[:64], data.known)


# What a look-up shows of the person (masked as on the server's pages), as its disclosure names it.
LOOKUP_FIELDS = ("name", "id_number_masked", "sex", "birth_date", "phone_masked", "address", "residence_area")


@router.get(
    "/persons/lookup",
    response={200: LookupOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="A person outside the downloaded village, by full ID number, among those the user may see",
)
def person_lookup(request: HttpRequest, id_number: str = "") -> Status[Any]:
    """For a record about someone not in the phone's copy (a spouse from another village, a person
    moving back): the person masked as on the server's pages. Every look-up, found or not, is a
    disclosure in the audit trail."""
    user = _user(request)
    try:
        number = check_id_number(id_number[:40]).number
    except InputError as error:
        return Status(400, {"detail": _("ID number: %(reason)s") % {"reason": error.reason}})
    person = sync.person_elsewhere(user, number)
    disclosure_record(
        by=user,
        kind="offline_person_lookup",
        count=0 if person is None else 1,
        fields=LOOKUP_FIELDS,
        filters={"id_number": mask_id(number)},
        object_type="registry.person" if person is not None else "",
        object_id=str(person.pk) if person is not None else "",
        object_repr=person.name if person is not None else "",
        area_code=person.residence_area_id if person is not None else None,
    )
    if person is None:
        return Status(404, {"detail": _("Nobody in your area has this ID number.")})
    return Status(200, {"person": sync.person_elsewhere_out(person)})


@router.post(
    "/records",
    response={200: RecordOut, 400: RecordOut, 409: RecordOut},
    summary="Send one outbox record (applied once per client id)",
)
def record_send(request: HttpRequest, data: RecordIn) -> Status[RecordOut]:
    answer = services.record_apply(
        by=_user(request),
        client_id=data.client_id,
        kind=data.kind,
        payload=data.payload,
        captured_at=data.captured_at,
    )
    code = {"applied": 200, "refused": 400, "conflict": 409}[answer.status]
    return Status(
        code,
        RecordOut(
            status=answer.status, client_id=answer.client_id, replayed=answer.replayed, body=answer.body
        ),
    )


@router.get(
    "/records/{client_id}",
    response=RecordOut,
    summary="What became of a record the phone sent (only the sender's own records)",
)
def record_get(request: HttpRequest, client_id: str) -> RecordOut:
    user = _user(request)
    try:
        key = uuid.UUID(client_id)
    except ValueError:
        raise HttpError(404, _("No such record.")) from None
    applied = AppliedRecord.objects.filter(client_id=key, user=user).first()
    if applied is None:
        raise HttpError(404, _("No such record."))
    return RecordOut(status="applied", client_id=str(applied.client_id), replayed=True, body=applied.response)


@router.post("/decisions", response={204: None}, summary="Record that the officer took the server's version")
def decision(request: HttpRequest, data: DecisionIn) -> Status[None]:
    user = _user(request)
    person = Person.objects.visible_to(user).filter(pk=data.person).first()
    if person is None:
        raise HttpError(404, _("No such person in your area."))
    try:
        services.conflict_decide(
            by=user,
            client_id=data.client_id,
            person=person,
            server_version=data.server_version,
            fields=data.fields,
        )
    except PermissionDenied as denied:
        raise HttpError(403, str(denied)) from denied
    return Status(204, None)
