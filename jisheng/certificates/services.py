"""Issuing, revoking and verifying certificates; numbering; rotating the signing key."""

from __future__ import annotations

import secrets
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.models import acting_user
from jisheng.accounts.permissions import Capability, ensure_different_person
from jisheng.audit.services import model_snapshot, record
from jisheng.core.actor import Actor
from jisheng.core.text import normalize_text

from . import keys
from .models import Certificate, NumberSequence, RevocationRequest
from .signing import PayloadInvalid, mask_id_number, mask_name, sign, verify_offline


def next_in_sequence(key: str) -> int:
    """The next number of a gap-free sequence; call inside the caller's transaction.

    One statement increments the counter and gives its new value (``UPDATE … RETURNING``): the row is
    locked from the increment to the caller's commit, so two transactions never take the same number,
    and a rolled-back one gives its number back. It used to be three (read, read locked, write) inside
    the caller's transaction, which on SQLite holds the one writer's lock throughout. A sequence's
    first number creates its row."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("next_in_sequence must run inside a transaction")
    if connection.vendor == "sqlite" and sqlite3.sqlite_version_info < (3, 35):  # no RETURNING before
        NumberSequence.objects.get_or_create(key=key)
        sequence = NumberSequence.objects.select_for_update().get(key=key)
        sequence.last += 1
        sequence.save(update_fields=["last"])
        return sequence.last
    quote = connection.ops.quote_name
    increment = (
        f"UPDATE {quote(NumberSequence._meta.db_table)} SET {quote('last')} = {quote('last')} + 1 "
        f"WHERE {quote('key')} = %s RETURNING {quote('last')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(increment, [key])
        row = cursor.fetchone()
        if row is None:
            NumberSequence.objects.get_or_create(key=key)
            cursor.execute(increment, [key])
            row = cursor.fetchone()
    return int(row[0])


# The random part of a certificate number: no 0/O, 1/I/L, so a number read aloud or typed is unambiguous.
NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
NUMBER_RANDOM_LENGTH = 6


def public_base_url() -> str:
    """The address residents reach Jisheng at (setting JISHENG_PUBLIC_URL)."""
    return str(settings.PUBLIC_BASE_URL).rstrip("/")


def verification_url(certificate: Certificate) -> str:
    """The public verification page of a certificate, as printed under its QR code."""
    return f"{public_base_url()}/verify/{certificate.number}"


def qr_text(certificate: Certificate) -> str:
    """What the QR code holds: the public verification page, carrying the signed payload."""
    return f"{verification_url(certificate)}?p={certificate.payload}"


def normalize_number(text: str) -> str:
    """A number as typed on a phone: full-width characters and lower case are accepted."""
    return normalize_text(text).replace(" ", "").upper()


def certificate_number(issuer_code: str, year: int, sequence: int) -> str:
    """ZS-<township>-<year>-<sequence>-<random>: the sequence keeps the office's count readable; the
    random part means a number cannot be guessed from its neighbour (the public page answers by number)."""
    random_part = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(NUMBER_RANDOM_LENGTH))
    return f"ZS-{issuer_code[:9]}-{year}-{sequence:05d}-{random_part}"


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
    by: Actor,
) -> Certificate:
    """May be nested."""
    now = timezone.now()
    sequence = next_in_sequence(f"certificate-{issuer.code[:9]}-{now:%Y}")
    number = certificate_number(issuer.code, now.year, sequence)
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
        issued_by=acting_user(by),
        key_id=kid,
        payload=sign(claims, kid, private),
    )
    # The number is sealed at rest: the trail keeps it masked, as the certificate's payload does.
    after = {**model_snapshot(certificate), "holder_id_number": mask_id_number(holder_id_number)}
    record(by=by, action="certificates.issue", obj=certificate, after=after)
    return certificate


@transaction.atomic(durable=True)
def certificate_revoke_request(*, certificate: Certificate, reason: str, by: Actor) -> RevocationRequest:
    """Step one of a revocation: a clerk asks, giving the reason; the certificate stays valid until a
    township head approves. Outermost."""
    if not permissions.may(by, Capability.REQUEST_REVOCATION, certificate.area_id):
        raise PermissionDenied(_("You may not ask for this certificate to be revoked."))
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": _("Reason for revocation: give the reason.")})
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.revoked_at is not None:
        raise ValidationError(_("This certificate has already been revoked."))
    if certificate.revocations.filter(status=RevocationRequest.Status.PENDING).exists():
        raise ValidationError(_("A revocation of this certificate is already waiting for the township head."))
    request = RevocationRequest.objects.create(
        certificate=certificate,
        reason=reason[:200],
        requested_by=acting_user(by),
        requested_at=timezone.now(),
    )
    record(
        by=by,
        action="certificates.revoke_request",
        obj=certificate,
        after={"request": request.pk, "reason": request.reason},
        reason=request.reason,
    )
    return request


@transaction.atomic(durable=True)
def certificate_revoke_decide(
    *, revocation: RevocationRequest, approve: bool, note: str, by: Actor
) -> RevocationRequest:
    """Step two: a township head other than the requester approves (the certificate is revoked, for
    good) or rejects (with a note saying why). Outermost."""
    revocation = (
        RevocationRequest.objects.select_for_update().select_related("certificate").get(pk=revocation.pk)
    )
    certificate = revocation.certificate
    if not permissions.may(by, Capability.APPROVE_REVOCATION, certificate.area_id):
        raise PermissionDenied(_("Only a township head may decide on a revocation."))
    ensure_different_person(by, step="approve", earlier={"request_revocation": revocation.requested_by})
    if revocation.status != RevocationRequest.Status.PENDING:
        raise ValidationError(_("This revocation request has already been decided."))
    note = " ".join(note.split())
    if not approve and not note:
        raise ValidationError({"note": _("Say why the revocation is rejected.")})
    revocation.status = RevocationRequest.Status.APPROVED if approve else RevocationRequest.Status.REJECTED
    revocation.decided_by = acting_user(by)
    revocation.decided_at = timezone.now()
    revocation.decision_note = note[:200]
    revocation.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    if not approve:
        record(
            by=by,
            action="certificates.revoke_reject",
            obj=certificate,
            after={"request": revocation.pk, "note": revocation.decision_note},
            reason=revocation.decision_note,
        )
        return revocation
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.revoked_at is not None:
        raise ValidationError(_("This certificate has already been revoked."))
    before = model_snapshot(certificate, ["revoked_at", "revoked_reason"])
    certificate.revoked_at = revocation.decided_at
    certificate.revoked_reason = revocation.reason
    certificate.revoked_by = acting_user(by)
    certificate.save(update_fields=["revoked_at", "revoked_reason", "revoked_by"])
    record(
        by=by,
        action="certificates.revoke",
        obj=certificate,
        before=before,
        after={
            **model_snapshot(certificate, ["revoked_at", "revoked_reason"]),
            "request": revocation.pk,
            "requested_by": revocation.requested_by.username,
            "note": revocation.decision_note,
        },
        reason=revocation.reason,
    )
    return revocation


@transaction.atomic(durable=True)
def signing_key_rotate(*, by: Actor) -> str:
    """Outermost."""
    kid = keys.create_key()
    record(
        by=by,
        action="certificates.rotate_key",
        object_type="certificates.key",
        object_id=kid,
        object_repr=f"{keys.NAMES[keys.algorithm_of(keys.public_keys()[kid])]} {kid}",
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


def _status(certificate: Certificate | None) -> Verification:
    """Validity and what the holder shows anyway when handing the certificate over; never the office's
    internal reasons (a revocation's reason stays on the staff page)."""
    if certificate is None:
        return Verification(False, _("No such certificate: no certificate with this number was issued here"))
    if certificate.revoked_at is not None:
        when = timezone.localtime(certificate.revoked_at)
        return Verification(
            False,
            _("This certificate was revoked on %(day)s and is no longer valid") % {"day": f"{when:%Y-%m-%d}"},
            certificate,
        )
    return Verification(True, _("Valid: issued by this system and not revoked"), certificate)


def verify_number(number: str) -> Verification:
    """What the public page says about a certificate number (validity and masked identity only)."""
    return _status(Certificate.objects.filter(number=normalize_number(number)).first())


def verify_payload(payload: str, *, number: str | None = None) -> Verification:
    """Check a QR payload's signature, then the certificate's current status (revocation).

    When the payload names another number than the one asked about, or differs from the one on record,
    nothing of any holder is shown: the claims of a swapped QR code must not be displayed as if valid.
    """
    payload = normalize_text(payload).replace(" ", "")
    try:
        claims = verify_offline(payload, keys.public_keys())
    except PayloadInvalid as exc:
        return Verification(False, str(exc))
    claimed_number = str(claims.data.get("no", ""))
    if number is not None and claimed_number != normalize_number(number):
        return Verification(
            False, _("The QR code does not belong to this certificate number: it was altered or swapped")
        )
    certificate = Certificate.objects.filter(number=claimed_number).first()
    if certificate is not None and certificate.payload != payload:
        return Verification(False, _("The QR code differs from the certificate on record"))
    return _status(certificate)
