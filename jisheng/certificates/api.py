from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError

from jisheng.accounts import permissions
from jisheng.accounts.http import AuthenticatedHttpRequest
from jisheng.accounts.permissions import Capability
from jisheng.areas.scoping import get_visible_or_404
from jisheng.core.ratelimit import allow

from . import services
from .models import Certificate
from .views import pdf_response

router = Router(tags=["certificates"])


class VerifyIn(Schema):
    payload: str


class VerifyOut(Schema):
    valid: bool
    message: str
    number: str | None = None
    kind: str | None = None
    holder: str
    id_number: str
    issued_on: datetime.date | None = None


class CertificateOut(Schema):
    id: int
    number: str
    kind: str
    holder_name: str
    source_ref: str
    issued_at: datetime.datetime
    revoked_at: datetime.datetime | None
    revoked_reason: str


class RevokeIn(Schema):
    reason: str


@router.post("/verify", response=VerifyOut, auth=None, summary="Verify a certificate's QR payload (public)")
def verify(request: HttpRequest, data: VerifyIn) -> VerifyOut:
    if not allow(request, "verify"):
        raise HttpError(429, _("Too many look-ups; try again later."))
    result = services.verify_payload(data.payload)
    certificate = result.certificate
    return VerifyOut(
        valid=result.valid,
        message=result.message,
        number=certificate.number if certificate else None,
        kind=certificate.kind if certificate else None,
        holder=result.masked_name,
        id_number=result.masked_id,
        issued_on=timezone.localdate(certificate.issued_at) if certificate else None,
    )


@router.get("/{int:certificate_id}", response=CertificateOut)
def certificate_get(request: HttpRequest, certificate_id: int) -> Certificate:
    return get_visible_or_404(Certificate.objects.all(), request.user, pk=certificate_id)


@router.get("/{int:certificate_id}/pdf", summary="The certificate as a PDF")
def certificate_pdf(request: HttpRequest, certificate_id: int) -> HttpResponse:
    return pdf_response(
        get_visible_or_404(Certificate.objects.select_related("issuer"), request.user, pk=certificate_id)
    )


@router.post("/{int:certificate_id}/revoke", response=CertificateOut)
def certificate_revoke(request: AuthenticatedHttpRequest, certificate_id: int, data: RevokeIn) -> Certificate:
    certificate = get_visible_or_404(Certificate.objects.all(), request.user, pk=certificate_id)
    if not permissions.holds(request.user, Capability.REQUEST_REVOCATION):
        raise HttpError(403, _("You may not ask for this certificate to be revoked."))
    try:
        # Step one only: a township head decides on the request in the certificate's page.
        services.certificate_revoke_request(certificate=certificate, reason=data.reason, by=request.user)
        return certificate
    except ValidationError as exc:
        raise HttpError(400, " ".join(exc.messages)) from exc
