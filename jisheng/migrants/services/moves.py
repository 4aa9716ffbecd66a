"""People away (流出), people arrived (流入) and the health education of migrant newly-weds."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability
from jisheng.areas.models import Area
from jisheng.audit.services import model_snapshot, record
from jisheng.certificates import services as certificates
from jisheng.core.actor import Actor
from jisheng.core.text import InputError, check_id_number, clean_text, normalize_name
from jisheng.registry import services as registry
from jisheng.registry.codes import ContraceptiveMethod, PersonStatus
from jisheng.registry.models import Person

from ..models import (
    Arrival,
    Departure,
    EducationSession,
    MaritalCertificate,
    NoticeKind,
    PeerCertificate,
    Reason,
)
from .certificates import _certificate_for_peer, _current_certificate
from .common import (
    PROVINCES,
    _contraception,
    _masked,
    _phone,
    _refuse,
    _registry_says,
    _today,
    destination_from_text,
)
from .notices import notice_send

# --- people away (流出) --------------------------------------------------------------------------------


@transaction.atomic
def departure_record(
    *,
    person: Person,
    destination: str,
    left_on: datetime.date,
    by: Actor,
    reason: str = Reason.WORK,
    address: str = "",
    employer: str = "",
    phone: str = "",
    contact_phone: str = "",
    contraception: str = "",
    agreement_signed: bool = False,
) -> Departure:
    """A person of a village here leaves to live and work elsewhere: the registry marks them away, the
    departure keeps where and why with its 四个一 (the current 婚育证明 is attached when there is one),
    and the destination's deployment gets a departure notice. May be nested."""
    permissions.ensure(by, Capability.RECORD_MIGRANTS, person.residence_area_id)
    if person.status in (PersonStatus.DEAD, PersonStatus.MOVED_OUT):
        raise _refuse(
            _("person"),
            _("is not living in this village (%(status)s)") % {"status": person.get_status_display()},
        )
    if left_on > _today():
        raise _refuse(_("left on"), _("cannot be in the future"))
    if reason not in Reason.values:
        raise _refuse(pgettext("migrant", "reason"), _("unknown reason “%(value)s”") % {"value": reason})
    place = destination_from_text(destination)
    if Departure.objects.filter(person=person, returned_on__isnull=True).exists():
        raise _refuse(_("person"), _("is already recorded as away; record the return first"))
    certificate = _current_certificate(person)
    if certificate is not None and not certificate.is_valid_on(_today()):
        certificate = None
    try:
        with transaction.atomic():
            departure = Departure.objects.create(
                person=person,
                area_id=person.residence_area_id,
                destination_code=place.code,
                destination_province=place.code[:2],
                destination_name=place.name,
                address=clean_text(address)[:128],
                employer=clean_text(employer)[:100],
                phone=_phone(phone, str(_("phone there"))),
                left_on=left_on,
                reason=reason,
                certificate=certificate,
                contact_phone=_phone(contact_phone, str(_("contact phone left at home"))),
                contraception=_contraception(contraception),
                agreement_signed_on=left_on if agreement_signed else None,
            )
    except IntegrityError as exc:  # two phones at once: the constraint keeps one open departure
        raise _refuse(_("person"), _("is already recorded as away; record the return first")) from exc
    if person.status != PersonStatus.AWAY:
        with _registry_says():
            registry.person_set_status(
                person=person, status=PersonStatus.AWAY, by=by, note=f"外出 {place.name}"
            )
    record(by=by, action="migrants.departure_record", obj=departure, after=_masked(model_snapshot(departure)))
    body: dict[str, Any] = {
        "kind": NoticeKind.DEPARTURE,
        "destination": place.code,
        "address": departure.address,
    }
    if certificate is not None:
        body["certificate"] = _certificate_for_peer(certificate)
    notice_send(
        kind=NoticeKind.DEPARTURE,
        person=person,
        area=departure.area,
        to_area_code=place.code,
        on=left_on,
        body=body,
        by=by,
    )
    return departure


@transaction.atomic
def departure_checklist_update(
    *,
    departure: Departure,
    by: Actor,
    contact_phone: str | None = None,
    contraception: str | None = None,
    agreement_signed_on: datetime.date | None = None,
) -> Departure:
    """Fill in what was missing of the 四个一 (the certificate comes with its issue). May be nested."""
    permissions.ensure(by, Capability.RECORD_MIGRANTS, departure.area_id)
    locked = Departure.objects.select_for_update().get(pk=departure.pk)
    before = _masked(
        model_snapshot(locked, ["contact_phone", "contraception", "agreement_signed_on", "certificate"])
    )
    if contact_phone is not None:
        locked.contact_phone = _phone(contact_phone, str(_("contact phone left at home")))
    if contraception is not None:
        locked.contraception = _contraception(contraception)
    if agreement_signed_on is not None:
        if agreement_signed_on > _today():
            raise _refuse(_("agreement signed on"), _("cannot be in the future"))
        locked.agreement_signed_on = agreement_signed_on
    if locked.certificate_id is None:
        current = _current_certificate(locked.person)
        if current is not None and current.is_valid_on(_today()):
            locked.certificate = current
    locked.save()
    record(
        by=by,
        action="migrants.departure_checklist",
        obj=locked,
        before=before,
        after=_masked(
            model_snapshot(locked, ["contact_phone", "contraception", "agreement_signed_on", "certificate"])
        ),
    )
    return locked


@transaction.atomic
def departure_return(*, departure: Departure, returned_on: datetime.date, by: Actor) -> Departure:
    """The person came home: the record closes, the registry has them living here again, and the
    destination is told. May be nested."""
    permissions.ensure(by, Capability.RECORD_MIGRANTS, departure.area_id)
    locked = Departure.objects.select_for_update().select_related("person").get(pk=departure.pk)
    if locked.returned_on is not None:
        raise _refuse(
            _("returned on"), _("the return was already recorded on %(day)s") % {"day": locked.returned_on}
        )
    if returned_on < locked.left_on or returned_on > _today():
        raise _refuse(_("returned on"), _("must lie between the departure and today"))
    locked.returned_on = returned_on
    locked.save(update_fields=["returned_on"])
    person = locked.person
    if person.status == PersonStatus.AWAY:
        with _registry_says():
            registry.person_set_status(person=person, status=PersonStatus.ALIVE, by=by, note="外出返乡")
    record(by=by, action="migrants.departure_return", obj=locked, after={"returned_on": returned_on})
    notice_send(
        kind=NoticeKind.RETURN,
        person=person,
        area=locked.area,
        to_area_code=locked.destination_code,
        on=returned_on,
        body={},
        by=by,
    )
    return locked


# --- people arrived (流入) -----------------------------------------------------------------------------


@transaction.atomic
def arrival_record(
    *,
    village: Area,
    id_number: str,
    arrived_on: datetime.date,
    by: Actor,
    name: str = "",
    origin: str = "",
    phone: str = "",
    address: str = "",
    employer: str = "",
    contraception: str = "",
    pregnant: bool = False,
    certificate_text: str = "",
) -> Arrival:
    """A person from elsewhere arrives: the registry's move into the village (one record per person,
    found by ID number), the arrival with its 30-day clock for the 婚育证明, and a notice to the home
    deployment. The certificate, when shown, is checked at once. May be nested."""
    permissions.ensure(by, Capability.RECORD_MIGRANTS, village.code)
    try:
        number = check_id_number(id_number).number
    except InputError as exc:
        raise _refuse(_("resident ID number"), exc.reason) from exc
    with _registry_says():
        place = registry.place_from_text(origin) if clean_text(origin) else registry.Place()
    if place.code and place.code[:2] not in PROVINCES:
        raise _refuse(
            pgettext("migrant", "coming from"),
            _("“%(code)s” is not the code of a place in China") % {"code": place.code},
        )
    if arrived_on > _today():
        raise _refuse(_("arrived on"), _("cannot be in the future"))
    with _registry_says():
        person = registry.person_move_in(
            to_area=village,
            id_number=number,
            name=normalize_name(name) if clean_text(name) else "",
            origin=place,
            phone=phone,
            date=arrived_on,
            note="流入",
            by=by,
        )
    arrival = Arrival.objects.create(
        person=person,
        area=village,
        origin_code=place.code,
        origin_name=(place.area.full_name() if place.area is not None else place.name)[:100],
        arrived_on=arrived_on,
        address=clean_text(address)[:128],
        employer=clean_text(employer)[:100],
        contraception=_contraception(contraception),
        pregnant=pregnant,
    )
    record(by=by, action="migrants.arrival_record", obj=arrival, after=model_snapshot(arrival))
    if clean_text(certificate_text):
        arrival = arrival_certificate_check(arrival=arrival, text=certificate_text, by=by)
    if place.code:
        notice_send(
            kind=NoticeKind.ARRIVAL,
            person=person,
            area=village,
            to_area_code=place.code,
            on=arrived_on,
            body={"village": village.code, "address": arrival.address},
            by=by,
        )
    return arrival


@dataclass(frozen=True)
class CertificateCheck:
    valid: bool
    number: str
    message: str
    fields: dict[str, Any]


def certificate_check(
    text: str, *, id_number: str = "", today: datetime.date | None = None
) -> CertificateCheck:
    """Check a 婚育证明 by what its QR code holds (the verification address with the signed payload) or
    by its number: one issued here is checked against the certificates app (signature, revocation) and
    its validity period; one issued by another deployment against what that deployment's signed
    departure notice told us (its signing key, validity, supersession)."""
    from jisheng.certificates.signing import PREFIX, PayloadInvalid, verify_offline

    today = today or _today()
    text = clean_text(text).replace(" ", "")
    payload = text[text.index(PREFIX + ".") :] if PREFIX + "." in text else ""
    if payload and "&" in payload:
        payload = payload.split("&", 1)[0]
    number = ""
    if payload:
        peer_claims: dict[str, Any] = {}
        local = certificates.verify_payload(payload)
        if local.certificate is not None:
            number = local.certificate.number
            if not local.valid:
                return CertificateCheck(False, number, local.message, {})
        else:
            # Not ours: the claims name the number; the key comes from the issuer's notice.
            known = {pc.key_id: pc.public_key for pc in PeerCertificate.objects.exclude(public_key="")}
            try:
                peer_claims = verify_offline(payload, known).data
            except PayloadInvalid as exc:
                return CertificateCheck(False, "", str(exc), {})
            number = str(peer_claims.get("no", ""))
    else:
        number = certificates.normalize_number(text.rsplit("/", 1)[-1])
    if not number:
        return CertificateCheck(False, "", _("Give the certificate number or scan its QR code"), {})
    own = MaritalCertificate.objects.filter(number=number).select_related("certificate", "person").first()
    if own is not None:
        if own.certificate.revoked_at is not None:
            return CertificateCheck(False, number, _("The certificate was revoked"), own.fields)
        if id_number and own.person.id_number != id_number:
            return CertificateCheck(False, number, _("The certificate belongs to someone else"), {})
        if own.superseded_on is not None:
            return CertificateCheck(
                False,
                number,
                _("Superseded by a newer certificate on %(day)s") % {"day": own.superseded_on},
                own.fields,
            )
        if own.valid_until < today:
            return CertificateCheck(
                False, number, _("Expired on %(day)s") % {"day": own.valid_until}, own.fields
            )
        return CertificateCheck(True, number, _("Valid until %(day)s") % {"day": own.valid_until}, own.fields)
    peer = PeerCertificate.objects.filter(number=number).first()
    if peer is None:
        return CertificateCheck(
            False,
            number,
            _("No such certificate is known here: send a verification request to the issuer"),
            {},
        )
    if payload and peer.payload != payload:
        return CertificateCheck(
            False, number, _("The QR code differs from the certificate the issuer notified"), {}
        )
    if id_number and peer.holder_id_number != id_number:
        return CertificateCheck(False, number, _("The certificate belongs to someone else"), {})
    if peer.superseded:
        return CertificateCheck(False, number, _("The issuer notified a newer certificate"), peer.fields)
    if peer.valid_until < today:
        return CertificateCheck(
            False, number, _("Expired on %(day)s") % {"day": peer.valid_until}, peer.fields
        )
    return CertificateCheck(True, number, _("Valid until %(day)s") % {"day": peer.valid_until}, peer.fields)


@transaction.atomic
def arrival_certificate_check(*, arrival: Arrival, text: str, by: Actor) -> Arrival:
    """Record the check of the 婚育证明 handed in at arrival (Art. 8). May be nested."""
    permissions.ensure(by, Capability.RECORD_MIGRANTS, arrival.area_id)
    result = certificate_check(text, id_number=arrival.person.id_number)
    locked = Arrival.objects.select_for_update().get(pk=arrival.pk)
    before = model_snapshot(locked, ["certificate_number", "certificate_valid", "certificate_checked_on"])
    locked.certificate_number = result.number[:40]
    locked.certificate_valid = result.valid
    locked.certificate_checked_on = _today()
    locked.certificate_check = str(result.message)[:200]
    locked.save()
    record(
        by=by,
        action="migrants.arrival_certificate_check",
        obj=locked,
        before=before,
        after=model_snapshot(
            locked, ["certificate_number", "certificate_valid", "certificate_checked_on", "certificate_check"]
        ),
    )
    return locked


@transaction.atomic
def arrival_notice_give(*, arrival: Arrival, on: datetime.date, by: Actor) -> Arrival:
    """Art. 23: no valid 婚育证明 30 days after arrival; the person is given three months to obtain it."""
    permissions.ensure(by, Capability.RECORD_MIGRANTS, arrival.area_id)
    locked = Arrival.objects.select_for_update().get(pk=arrival.pk)
    if locked.certificate_valid:
        raise _refuse(pgettext("migrant certificate", "certificate"), _("a valid certificate was handed in"))
    if locked.notice_given_on is not None:
        raise _refuse(_("notice"), _("was already given on %(day)s") % {"day": locked.notice_given_on})
    locked.notice_given_on = on
    locked.save(update_fields=["notice_given_on"])
    record(by=by, action="migrants.arrival_notice", obj=locked, after={"notice_given_on": on})
    return locked


@transaction.atomic
def arrival_contraception_record(
    *, arrival: Arrival, method: str, start_date: datetime.date, by: Actor, provider: str = ""
) -> Arrival:
    """A contraceptive measure of a woman arrived here (services where she lives, Art. 13): recorded in
    the registry here and notified to her home county, which may not make her travel home for checks."""
    permissions.ensure(by, Capability.RECORD_MIGRANTS, arrival.area_id)
    if method not in ContraceptiveMethod.values:
        raise _refuse(_("contraceptive measure"), _("unknown measure “%(value)s”") % {"value": method})
    locked = Arrival.objects.select_for_update().select_related("person", "area").get(pk=arrival.pk)
    with _registry_says():
        registry.contraception_record(
            person=locked.person, method=method, start_date=start_date, provider=provider, by=by
        )
    locked.contraception = method
    locked.save(update_fields=["contraception"])
    record(
        by=by,
        action="migrants.arrival_contraception",
        obj=locked,
        after={"method": method, "start_date": start_date},
    )
    if locked.origin_code:
        notice_send(
            kind=NoticeKind.CONTRACEPTION,
            person=locked.person,
            area=locked.area,
            to_area_code=locked.origin_code,
            on=start_date,
            body={"method": method, "start_date": start_date.isoformat(), "provider": clean_text(provider)},
            by=by,
        )
    return locked


@transaction.atomic
def arrival_leave(*, arrival: Arrival, left_on: datetime.date, by: Actor) -> Arrival:
    """The person arrived here left again (home or elsewhere): the arrival closes. May be nested."""
    permissions.ensure(by, Capability.RECORD_MIGRANTS, arrival.area_id)
    locked = Arrival.objects.select_for_update().get(pk=arrival.pk)
    if locked.left_on is not None:
        raise _refuse(_("left on"), _("was already recorded"))
    if left_on < locked.arrived_on or left_on > _today():
        raise _refuse(_("left on"), _("must lie between the arrival and today"))
    locked.left_on = left_on
    locked.save(update_fields=["left_on"])
    record(by=by, action="migrants.arrival_leave", obj=locked, after={"left_on": left_on})
    return locked


# --- health education -----------------------------------------------------------------------------------


@transaction.atomic
def education_session_record(
    *, person: Person, held_on: datetime.date, topic: str, by: Actor, place: str = "", educator: str = ""
) -> EducationSession:
    """A health education session a migrant newly-wed attended. May be nested."""
    permissions.ensure(by, Capability.RECORD_MIGRANTS, person.residence_area_id)
    topic = clean_text(topic)[:100]
    if not topic:
        raise _refuse(_("topic"), _("is required"))
    if held_on > _today():
        raise _refuse(_("held on"), _("cannot be in the future"))
    session = EducationSession.objects.create(
        person=person,
        area_id=person.residence_area_id,
        held_on=held_on,
        topic=topic,
        place=clean_text(place)[:100],
        educator=clean_text(educator)[:32],
    )
    record(by=by, action="migrants.education_record", obj=session, after=model_snapshot(session))
    return session
