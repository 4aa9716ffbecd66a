"""Every change of the floating population: one transaction and one audit event each (may be nested:
each is ``transaction.atomic`` and joins the caller's transaction).

Persons are changed only through the registry's services (status away and back, a move into a village,
a contraceptive measure a notice reports); certificates through the certificates app; messages to other
deployments through ``exchange_messages``, inside the same transaction (the exchange's outbox).
"""

from __future__ import annotations

import datetime
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability
from jisheng.areas.codes import normalize_code
from jisheng.areas.models import Area, Level
from jisheng.audit.services import model_snapshot, record
from jisheng.certificates import services as certificates
from jisheng.core.actor import Actor, is_staff
from jisheng.core.text import InputError, check_id_number, clean_text, normalize_name, normalize_phone
from jisheng.registry import services as registry
from jisheng.registry.codes import ContraceptiveMethod, MaritalStatus, PersonStatus
from jisheng.registry.models import Person
from jisheng.registry.queries import person_by_id_number
from jisheng.registry.validation import Refusal
from jisheng.workdays import services as workdays

from . import exchange_messages
from .models import (
    Arrival,
    Departure,
    Direction,
    EducationSession,
    MaritalCertificate,
    NotApplicable,
    Notice,
    NoticeKind,
    PeerCertificate,
    Priority,
    Reason,
    VerificationRequest,
    VerificationStatus,
)
from .provinces import PROVINCE_NAMES

CERTIFICATE_KIND = "流动人口婚育证明"
# Verification requests: urgent ones (a pregnant woman) are due in 15 working days, others in 30; Art. 16:
# a request is sent within 7 working days of learning the facts.
URGENT_DAYS = 15
NORMAL_DAYS = 30
SEND_WITHIN_DAYS = 7
# A destination code must start with a province's code, even when this deployment knows nothing else of
# the area.
PROVINCES = frozenset(PROVINCE_NAMES)
CONTRACEPTION_CHOICES = {**dict(ContraceptiveMethod.choices), **dict(NotApplicable.choices)}


def certificate_validity_years() -> int:
    """How long a 婚育证明 is valid: the Django setting MIGRANT_CERTIFICATE_YEARS, else the environment's
    JISHENG_MIGRANT_CERTIFICATE_YEARS, else 3 (the common period)."""
    value = getattr(settings, "MIGRANT_CERTIFICATE_YEARS", None) or os.environ.get(
        "JISHENG_MIGRANT_CERTIFICATE_YEARS"
    )
    try:
        years = int(value or 3)
    except ValueError:
        years = 3
    return max(1, min(years, 10))


def _refuse(field: str, reason: str) -> ValidationError:
    return ValidationError(f"“{field}”: {reason}")


@contextmanager
def _registry_says() -> Iterator[None]:
    """The registry refuses with its own ``Refusal`` (naming the field); here it becomes the same
    ValidationError every refusal of this app is, so pages and the API show it instead of failing."""
    try:
        yield
    except Refusal as refusal:
        raise _refuse(refusal.field, refusal.reason) from refusal


# --- places --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Destination:
    code: str  # 12 digits, padded
    name: str


def destination_from_text(text: str) -> Destination:
    """Where a person goes: an area code anywhere in China (6 digits for a county, 2/4/9/12 accepted),
    optionally followed by a name, or a current area name of this deployment. The code's province
    must exist; a code of this deployment's own tree must be a current area."""
    with _registry_says():
        place = registry.place_from_text(text)
    if not place.code:
        raise _refuse(_("destination"), _("give the area code of the place (6 digits for a county)"))
    code = normalize_code(place.code)
    if code[:2] not in PROVINCES:
        raise _refuse(
            _("destination"), _("“%(code)s” is not the code of a place in China") % {"code": place.code}
        )
    return Destination(
        code=code, name=(place.area.full_name() if place.area is not None else place.name)[:100]
    )


def _contraception(value: str) -> str:
    value = clean_text(value)
    if value and value not in CONTRACEPTION_CHOICES:
        raise _refuse(_("contraceptive measure"), _("unknown measure “%(value)s”") % {"value": value})
    return value


def _phone(value: str, field: str) -> str:
    try:
        return normalize_phone(value) if clean_text(value) else ""
    except InputError as exc:
        raise _refuse(field, exc.reason) from exc


def _today() -> datetime.date:
    return timezone.localdate()


# --- the 婚育证明 ---------------------------------------------------------------------------------------


def art7_fields(person: Person) -> dict[str, str]:
    """The Art. 7 fields as the registry has them today: name, age, ID, marital status, spouse, births,
    contraception. Printed on the certificate and compared to decide whether it must be re-issued."""
    from jisheng.registry.models import Birth, Contraception, Marriage

    today = _today()
    age = (
        today.year
        - person.birth_date.year
        - ((today.month, today.day) < (person.birth_date.month, person.birth_date.day))
    )
    marriage = (
        Marriage.objects.filter(Q(husband=person) | Q(wife=person), divorce_date__isnull=True)
        .select_related("husband", "wife")
        .order_by("-date")
        .first()
    )
    spouse = (
        ""
        if marriage is None
        else (marriage.wife if marriage.husband_id == person.pk else marriage.husband).name
    )
    births = Birth.objects.filter(Q(mother=person) | Q(father=person)).order_by("date")
    children = "，".join(f"{b.date:%Y-%m-%d} {b.get_sex_display()}" for b in births) or "无"
    measure = (
        Contraception.objects.filter(person=person, end_date__isnull=True).order_by("-start_date").first()
    )
    return {
        "姓名": person.name,
        "年龄": str(age),
        "公民身份号码": person.id_number,
        "婚姻状况": str(MaritalStatus(person.marital_status).label) if person.marital_status else "",
        "配偶姓名": spouse,
        "生育子女": f"{births.count()} 个（{children}）",
        "节育措施": measure.get_method_display() if measure is not None else "无",
    }


def _current_certificate(person: Person) -> MaritalCertificate | None:
    return (
        MaritalCertificate.objects.filter(person=person, superseded_on__isnull=True)
        .order_by("-issued_on", "-pk")
        .first()
    )


@transaction.atomic
def marital_certificate_issue(*, person: Person, by: Actor) -> MaritalCertificate:
    """Issue the 婚育证明 of a person of this deployment from the home township (numbered PDF with a
    signed QR code, verifiable at /verify/). A certificate still current with the same facts is refused;
    when the marital or birth status changed, the new one supersedes it. May be nested."""
    permissions.ensure(by, Capability.ISSUE_MARITAL_CERTIFICATE, person.residence_area_id)
    if person.status == PersonStatus.DEAD:
        raise _refuse(_("person"), _("the registry records this person as dead"))
    village = Area.objects.select_related("parent").get(pk=person.residence_area_id)
    township = village.parent if village.level == Level.VILLAGE and village.parent is not None else village
    fields = art7_fields(person)
    today = _today()
    current = _current_certificate(person)
    if current is not None and current.fields == fields and current.is_valid_on(today):
        raise _refuse(
            _("certificate"),
            _("certificate %(number)s is valid until %(day)s and its facts have not changed")
            % {"number": current.number, "day": f"{current.valid_until:%Y-%m-%d}"},
        )
    valid_until = _years_after(today, certificate_validity_years())
    details = {**fields, "有效期至": f"{valid_until:%Y年%m月%d日}"}
    details.pop("公民身份号码")  # printed as the holder's ID already
    issued = certificates.certificate_issue(
        kind=CERTIFICATE_KIND,
        area=village,
        issuer=township,
        holder_name=person.name,
        holder_id_number=person.id_number,
        details=details,
        source_ref="",
        by=by,
    )
    certificate = MaritalCertificate.objects.create(
        person=person,
        area=village,
        certificate=issued,
        number=issued.number,
        issued_on=today,
        valid_until=valid_until,
        fields=fields,
    )
    if current is not None:
        before = model_snapshot(current, ["superseded_on"])
        current.superseded_by = certificate
        current.superseded_on = today
        current.save(update_fields=["superseded_by", "superseded_on"])
        record(
            by=by,
            action="migrants.certificate_supersede",
            obj=current,
            before=before,
            after={"superseded_on": today, "superseded_by": certificate.number},
        )
    # The person's open departure now has its certificate (四个一), and its destination learns it (a
    # re-issued one supersedes what the destination checks arrivals against).
    away = Departure.objects.filter(person=person, returned_on__isnull=True).select_related("area").first()
    record(by=by, action="migrants.certificate_issue", obj=certificate, after=model_snapshot(certificate))
    if away is not None:
        Departure.objects.filter(pk=away.pk).update(certificate=certificate)
        notice_send(
            kind=NoticeKind.DEPARTURE,
            person=person,
            area=away.area,
            to_area_code=away.destination_code,
            on=away.left_on,
            body={"destination": away.destination_code, "certificate": _certificate_for_peer(certificate)},
            by=by,
        )
    return certificate


def certificate_needs_reissue(certificate: MaritalCertificate) -> bool:
    """Whether the registry's facts moved on since the certificate was issued (marriage, birth,
    contraception), so the home township should issue a new one."""
    return certificate.superseded_on is None and certificate.fields != art7_fields(certificate.person)


def _years_after(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _certificate_for_peer(certificate: MaritalCertificate) -> dict[str, Any]:
    """What a destination needs to check the certificate's QR code offline at arrival: the signed payload
    and the issuer's public key (trusted because the notice carrying it is signed by a configured peer)."""
    from jisheng.certificates import keys

    issued = certificate.certificate
    return {
        "number": certificate.number,
        "valid_until": certificate.valid_until.isoformat(),
        "fields": {k: v for k, v in certificate.fields.items() if k != "公民身份号码"},
        "key_id": issued.key_id,
        "public_key": keys.public_keys().get(issued.key_id, ""),
        "payload": issued.payload,
        "issuer": issued.issuer_id,
    }


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
        raise _refuse(_("reason"), _("unknown reason “%(value)s”") % {"value": reason})
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
    record(by=by, action="migrants.departure_record", obj=departure, after=model_snapshot(departure))
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
    before = model_snapshot(locked, ["contact_phone", "contraception", "agreement_signed_on", "certificate"])
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
        after=model_snapshot(
            locked, ["contact_phone", "contraception", "agreement_signed_on", "certificate"]
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
            _("coming from"), _("“%(code)s” is not the code of a place in China") % {"code": place.code}
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
        raise _refuse(_("certificate"), _("a valid certificate was handed in"))
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


# --- notices (通报) ------------------------------------------------------------------------------------


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
        body=message_body,
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
        body=body,
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
) -> VerificationRequest:
    """Ask another deployment to confirm a person's facts; urgent for a pregnant woman. May be nested."""
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
    )
    record(by=by, action="migrants.verification_send", obj=request, after=model_snapshot(request))
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
    record(by=by, action="migrants.verification_receive", obj=request, after=model_snapshot(request))
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
        raise _refuse(_("answer"), _("is required"))
    locked = VerificationRequest.objects.select_for_update().get(pk=verification.pk)
    if locked.direction != Direction.IN:
        raise _refuse(_("answer"), _("only a received request is answered here"))
    if locked.status != VerificationStatus.OPEN:
        raise _refuse(
            _("answer"), _("the request was already answered on %(day)s") % {"day": locked.answered_on}
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
    locked.save()
    record(
        by=by,
        action="migrants.verification_answer_receive",
        obj=locked,
        before=before,
        after=model_snapshot(locked, ["status", "answer", "answered_on"]),
    )
    return locked


def accountability_subject(request: VerificationRequest) -> str:
    """How the hall's accountability records name a verification request."""
    return f"migrants:{request.reference}"


@transaction.atomic
def verification_sweep(*, by: Actor, today: datetime.date | None = None) -> dict[str, int]:
    """Escalate received requests past their due date, and record accountability through the hall's
    mechanism (``hall.services.accountability_record_many``) against the clerk who took each one on, as
    the hall does for its overdue cases (once per request; an unowned request is escalated to the
    township's queue with no one to answer for it yet). May be nested."""
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
    for row in overdue:
        record(
            by=by,
            action="migrants.verification_escalate",
            obj=row,
            after={"escalated_on": today, "due_on": row.due_on, "owner": row.owner_id},
        )
    recorded = hall.accountability_record_many(
        entries=[
            hall.OtherAccountability(
                subject=accountability_subject(row),
                area_code=row.area_id,
                responsible_id=row.owner_id,
                kind="overdue",
                detail=f"协查 {row.reference} 超过反馈时限（{row.due_on:%Y-%m-%d}）仍未反馈",
            )
            for row in overdue
            if row.owner_id is not None
        ],
        by=by,
        action="migrants.accountability",
    )
    return {"overdue": len(overdue), "accountability": recorded}


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
