"""Issuing, revoking and verifying certificates; numbering; rotating the signing key."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from jisheng.audit.services import model_snapshot, record

from . import keys
from .models import Certificate, NumberSequence
from .signing import PayloadInvalid, mask_id_number, mask_name, sign, verify_offline


def next_in_sequence(key: str) -> int:
    """The next number of a gap-free sequence; call inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_in_sequence must run inside a transaction")
    NumberSequence.objects.get_or_create(key=key)
    sequence = NumberSequence.objects.select_for_update().get(key=key)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return sequence.last


def public_base_url() -> str:
    return os.environ.get("JISHENG_PUBLIC_URL", getattr(settings, "PUBLIC_BASE_URL", "http://127.0.0.1:8000"))


def qr_text(certificate: Certificate) -> str:
    """What the QR code holds: the public verification page, carrying the signed payload."""
    return f"{public_base_url().rstrip('/')}/verify/{certificate.number}?p={certificate.payload}"


@transaction.atomic
def certificate_issue(
    *,
    kind: str,
    area: Any,
    issuer: Any,
    holder_name: str,
    holder_id_number: str,
    details: dict[str, str],
    source_ref: str,
    by: Any,
) -> Certificate:
    now = timezone.now()
    sequence = next_in_sequence(f"certificate-{issuer.code[:9]}-{now:%Y}")
    number = f"ZS-{issuer.code[:9]}-{now:%Y}-{sequence:05d}"
    kid, private = keys.current_key()
    claims = {
        "no": number,
        "kind": kind,
        "name": mask_name(holder_name),
        "id": mask_id_number(holder_id_number),
        "issuer": issuer.name,
        "on": f"{timezone.localdate(now):%Y-%m-%d}",
    }
    certificate = Certificate.objects.create(
        number=number,
        kind=kind,
        area=area,
        issuer=issuer,
        holder_name=holder_name,
        holder_id_number=holder_id_number,
        details=details,
        source_ref=source_ref,
        issued_at=now,
        issued_by=by,
        key_id=kid,
        payload=sign(claims, kid, private),
    )
    record(by=by, action="certificates.issue", obj=certificate, after=model_snapshot(certificate))
    return certificate


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, reason: str, by: Any) -> Certificate:
    if getattr(by, "is_read_only", False):
        raise ValidationError("只读角色不能撤销证书")
    reason = reason.strip()
    if not reason:
        raise ValidationError("「撤销原因」：必须填写撤销原因")
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.revoked_at is not None:
        raise ValidationError("该证书已经撤销")
    before = model_snapshot(certificate, ["revoked_at", "revoked_reason"])
    certificate.revoked_at = timezone.now()
    certificate.revoked_reason = reason[:200]
    certificate.revoked_by = by
    certificate.save(update_fields=["revoked_at", "revoked_reason", "revoked_by"])
    record(
        by=by,
        action="certificates.revoke",
        obj=certificate,
        before=before,
        after=model_snapshot(certificate, ["revoked_at", "revoked_reason"]),
        reason=reason,
    )
    return certificate


@transaction.atomic
def signing_key_rotate(*, by: Any) -> str:
    kid = keys.create_key()
    record(
        by=by,
        action="certificates.rotate_key",
        object_type="certificates.key",
        object_id=kid,
        object_repr=f"Ed25519 {kid}",
        after={"public_key": keys.public_keys()[kid]},
        area_code="",
    )
    return kid


@dataclass
class Verification:
    valid: bool
    message: str
    certificate: Certificate | None = None
    claims: dict[str, Any] = field(default_factory=dict)

    @property
    def masked_name(self) -> str:
        return (
            mask_name(self.certificate.holder_name) if self.certificate else str(self.claims.get("name", ""))
        )

    @property
    def masked_id(self) -> str:
        return (
            mask_id_number(self.certificate.holder_id_number)
            if self.certificate
            else str(self.claims.get("id", ""))
        )


def _status(certificate: Certificate | None, claims: dict[str, Any] | None = None) -> Verification:
    if certificate is None:
        return Verification(False, "查无此证：系统中没有这个编号的证书", None, claims or {})
    if certificate.revoked_at is not None:
        when = timezone.localtime(certificate.revoked_at)
        return Verification(
            False,
            f"证书已于 {when:%Y-%m-%d} 撤销，原因：{certificate.revoked_reason}",
            certificate,
            claims or {},
        )
    return Verification(True, "证书有效：由本系统签发，未被撤销", certificate, claims or {})


def verify_number(number: str) -> Verification:
    """What the public page says about a certificate number (validity and masked identity only)."""
    return _status(Certificate.objects.filter(number=number.strip()).first())


def verify_payload(payload: str, *, number: str | None = None) -> Verification:
    """Check a QR payload's signature, then the certificate's current status (revocation)."""
    try:
        claims = verify_offline(payload, keys.public_keys())
    except PayloadInvalid as exc:
        return Verification(False, str(exc))
    claimed_number = str(claims.data.get("no", ""))
    if number is not None and claimed_number != number.strip():
        return Verification(False, "二维码内容与证书编号不符：二维码被篡改或替换", None, claims.data)
    certificate = Certificate.objects.filter(number=claimed_number).first()
    if certificate is not None and certificate.payload != payload.strip():
        return Verification(False, "二维码内容与登记的证书不一致", None, claims.data)
    return _status(certificate, claims.data)
