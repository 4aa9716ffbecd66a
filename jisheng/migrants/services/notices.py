"""Notices (通报) to and from other deployments."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability
from jisheng.areas.codes import normalize_code
from jisheng.areas.models import Area
from jisheng.audit.services import record
from jisheng.core.actor import Actor
from jisheng.core.text import check_id_number, clean_text, normalize_name
from jisheng.registry import services as registry
from jisheng.registry.codes import ContraceptiveMethod, Sex
from jisheng.registry.models import Person
from jisheng.registry.queries import person_by_id_number

from .. import exchange_messages
from ..models import (
    Arrival,
    Departure,
    Direction,
    Notice,
    NoticeKind,
    PeerCertificate,
)
from .common import _refuse, _registry_says, _today

# --- notices (通报) ------------------------------------------------------------------------------------


# The ID numbers a notice's body carries: kept sealed in the notice's columns, not in its stored body.
SEALED_BODY_KEYS = ("id_number", "child_id_number")


def notice_send(
    *,
    kind: str,
    person: Person,
    area: Area,
    to_area_code: str,
    on: datetime.date,
    body: dict[str, Any],
    by: Actor,
) -> Notice:
    """Record a notice to another deployment and put it in the exchange's outbox, inside the caller's
    transaction (called by the services above; not nested on its own)."""
    to_county = normalize_code(to_area_code)[:6]
    message_body = {
        **body,
        "kind": kind,
        "id_number": person.id_number,
        "name": person.name,
        "on": on.isoformat(),
        "from": exchange_messages.self_code(),
    }
    notice = Notice.objects.create(
        direction=Direction.OUT,
        kind=kind,
        area=area,
        peer_area_code=to_county,
        person=person,
        person_name=person.name,
        person_id_number=person.id_number,
        child_id_number=str(message_body.get("child_id_number", "")),
        body=_body_kept(message_body),
        on=on,
    )
    notice.message_id = exchange_messages.send(
        by=by,
        kind=exchange_messages.NOTICE,
        to_area_code=to_county,
        subject_key=person.id_number,
        body=message_body,
        from_area_code=area.code,
    )
    notice.outcome = "" if notice.message_id else str(_("No peer deployment for this area: not sent"))
    notice.save(update_fields=["message_id", "outcome"])
    record(
        by=by,
        action="migrants.notice_send",
        obj=notice,
        after={"kind": kind, "to": to_county, "message": notice.message_id},
    )
    return notice


def _body_kept(body: dict[str, Any]) -> dict[str, Any]:
    """A notice's body as stored: without the ID numbers it carries, which the notice keeps sealed in
    its own columns (the message sent or received carries them, the stored copy does not)."""
    return {key: value for key, value in body.items() if key not in SEALED_BODY_KEYS}


def _home_person(id_number: str, name: str) -> Person | None:
    person = person_by_id_number(id_number)
    if person is not None and name and person.name != name:
        return None
    return person


def _deployment_root() -> Area:
    code = exchange_messages.self_code()
    area = Area.objects.filter(code=normalize_code(code)).first() if code else None
    if area is None:
        area = Area.objects.filter(parent__isnull=True).order_by("level", "code").first()
    if area is None:
        raise _refuse(_("area"), _("this deployment has no area tree"))
    return area


@transaction.atomic
def notice_receive(
    *,
    kind: str,
    peer_area_code: str,
    id_number: str,
    name: str,
    on: datetime.date,
    body: dict[str, Any],
    message_id: str,
    by: Actor,
) -> Notice:
    """A notice from another deployment (called once per message by the exchange's inbox): recorded on
    the person's home village when the person is ours, and applied —
    an arrival confirms the departure, a contraception notice reaches the person file through the
    registry's contraception record, a departure notice teaches us the person's 婚育证明. May be nested."""
    if kind not in NoticeKind.values:
        raise ValueError(exchange_messages.unknown_kind(kind))
    number = check_id_number(id_number).number
    person = _home_person(number, name)
    area = Area.objects.get(pk=person.residence_area_id) if person is not None else _deployment_root()
    outcome = ""
    if kind == NoticeKind.ARRIVAL and person is not None:
        updated = Departure.objects.filter(
            person=person, returned_on__isnull=True, arrival_confirmed_on__isnull=True
        ).update(arrival_confirmed_on=on)
        outcome = str(_("Arrival confirmed on the departure")) if updated else ""
    elif kind == NoticeKind.CONTRACEPTION and person is not None:
        method = str(body.get("method", ""))
        if method not in ContraceptiveMethod.values:
            raise ValueError(_("unknown measure “%(value)s”") % {"value": method})
        start = datetime.date.fromisoformat(str(body.get("start_date") or on.isoformat()))
        provider = clean_text(f"流入地通报 {body.get('provider', '')}")[:64]
        registry.contraception_record(
            person=person, method=method, start_date=start, provider=provider, by=by
        )
        outcome = str(_("Recorded in the person file"))
    elif kind == NoticeKind.BIRTH and person is not None:
        outcome = _birth_from_notice(person, on, body, by=by)
    elif kind == NoticeKind.DEPARTURE and isinstance(body.get("certificate"), dict):
        certificate = body["certificate"]
        PeerCertificate.objects.filter(holder_id_number=number).exclude(
            number=str(certificate.get("number"))
        ).update(superseded=True)
        PeerCertificate.objects.update_or_create(
            number=str(certificate.get("number", ""))[:40],
            defaults={
                "issuer_area_code": str(certificate.get("issuer", peer_area_code))[:12],
                "holder_id_number": number,
                "holder_name": normalize_name(name),
                "valid_until": datetime.date.fromisoformat(str(certificate.get("valid_until"))),
                "fields": dict(certificate.get("fields") or {}),
                "key_id": str(certificate.get("key_id", ""))[:16],
                "public_key": str(certificate.get("public_key", ""))[:120],
                "payload": str(certificate.get("payload", "")),
                "superseded": False,
                "received_at": timezone.now(),
            },
        )
        outcome = str(_("The person's certificate is known for the check at arrival"))
    notice = Notice.objects.create(
        direction=Direction.IN,
        kind=kind,
        area=area,
        peer_area_code=clean_text(peer_area_code)[:12],
        person=person,
        person_name=normalize_name(name),
        person_id_number=number,
        child_id_number=clean_text(str(body.get("child_id_number", ""))),
        body=_body_kept(body),
        on=on,
        message_id=message_id[:64],
        outcome=outcome[:200],
    )
    record(
        by=by,
        action="migrants.notice_receive",
        obj=notice,
        after={"kind": kind, "from": peer_area_code, "outcome": outcome},
    )
    return notice


def _birth_from_notice(mother: Person, on: datetime.date, body: dict[str, Any], *, by: Actor) -> str:
    """A birth notified by the place where the mother lives, recorded in her person file here through
    the registry's birth record; a birth of hers already recorded that day (the same notice again, or
    one the family reported at home) is not recorded twice."""
    from jisheng.registry.models import Birth

    born_on = datetime.date.fromisoformat(str(body.get("born_on") or on.isoformat()))
    sex = str(body.get("sex", ""))
    if sex not in Sex.values:
        raise ValueError(_("unknown sex “%(value)s”") % {"value": sex})
    if Birth.objects.filter(mother=mother, date=born_on, sex=sex).exists():
        return str(_("The birth was already in the person file"))
    with _registry_says():
        registry.birth_record(
            mother=mother,
            date=born_on,
            sex=sex,
            child_name=clean_text(str(body.get("child_name", "")))[:32] or str(_("(not yet named)")),
            child_id_number=clean_text(str(body.get("child_id_number", ""))),
            place=clean_text(f"流入地通报 {body.get('place', '')}")[:100],
            by=by,
        )
    return str(_("Recorded in the person file"))


@transaction.atomic
def arrival_birth_notify(
    *,
    arrival: Arrival,
    born_on: datetime.date,
    sex: str,
    child_name: str,
    by: Actor,
    child_id_number: str = "",
    place: str = "",
) -> Notice:
    """A child born to a woman arrived here: notified to her home county (通报), whose person file
    records the birth. May be nested."""
    permissions.ensure(by, Capability.RECORD_MIGRANTS, arrival.area_id)
    if sex not in Sex.values:
        raise _refuse(_("sex"), _("unknown sex “%(value)s”") % {"value": sex})
    if born_on > _today() or born_on < arrival.person.birth_date:
        raise _refuse(_("born on"), _("must lie between the mother's birth and today"))
    if not arrival.origin_code:
        raise _refuse(_("where from"), _("the arrival does not say where the woman came from"))
    return notice_send(
        kind=NoticeKind.BIRTH,
        person=arrival.person,
        area=arrival.area,
        to_area_code=arrival.origin_code,
        on=born_on,
        body={
            "born_on": born_on.isoformat(),
            "sex": sex,
            "child_name": normalize_name(child_name) if child_name.strip() else "",
            "child_id_number": clean_text(child_id_number),
            "place": clean_text(place)[:60],
        },
        by=by,
    )
