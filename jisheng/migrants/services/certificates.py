"""The 婚育证明: issued with the Art. 7 fields, re-issued when the facts move on."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability
from jisheng.areas.models import Area, Level
from jisheng.audit.services import model_snapshot, record
from jisheng.certificates import services as certificates
from jisheng.certificates.signing import mask_id_number
from jisheng.core.actor import Actor
from jisheng.registry.codes import MaritalStatus, PersonStatus
from jisheng.registry.models import Person

from ..models import (
    Departure,
    MaritalCertificate,
    NoticeKind,
)
from .common import CERTIFICATE_KIND, _refuse, _today, certificate_validity_years
from .notices import notice_send

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
        # masked: the full number is sealed in the registry and printed from the holder's; the stored
        # facts only need to tell that it changed
        "公民身份号码": mask_id_number(person.id_number),
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
            pgettext("migrant certificate", "certificate"),
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
