from __future__ import annotations

from django.apps import apps
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jisheng.accounts import permissions
from jisheng.accounts.http import AuthenticatedHttpRequest
from jisheng.accounts.permissions import Capability, may_take
from jisheng.areas.scoping import get_visible_or_404
from jisheng.audit.disclosure import disclosure_record
from jisheng.core.ratelimit import allow
from jisheng.core.text import normalize_text

from . import keys, services
from .models import Certificate, RevocationRequest
from .pdf import certificate_pdf
from .signing import PREFIX


def _limited(request: HttpRequest) -> HttpResponse:
    return render(request, "certificates/verify.html", {"limited": True}, status=429)


def verify_form(request: HttpRequest) -> HttpResponse:
    """Public: type a certificate number or paste the QR text."""
    # Typed on a phone: full-width characters and stray spaces are normalised before anything is looked up.
    query = normalize_text(request.GET.get("q", ""))
    if not query:
        return render(request, "certificates/verify.html", {})
    if not allow(request, "verify"):
        return _limited(request)
    if PREFIX + "." in query:
        payload = query[query.index(PREFIX + ".") :]
        return render(request, "certificates/verify.html", {"result": services.verify_payload(payload)})
    return render(request, "certificates/verify.html", {"result": services.verify_number(query)})


def verify_number(request: HttpRequest, number: str) -> HttpResponse:
    """Public: GET /verify/<number>[?p=<QR payload>] shows validity and masked identity only."""
    if not allow(request, "verify"):
        return _limited(request)
    payload = request.GET.get("p", "").strip()
    result = services.verify_payload(payload, number=number) if payload else services.verify_number(number)
    return render(
        request, "certificates/verify.html", {"result": result, "number": number, "signed": bool(payload)}
    )


def verify_keys(request: HttpRequest) -> HttpResponse:
    """Public: the public keys (Ed25519, or SM2 where the office signs with it), for verifying a QR
    payload offline."""
    published = keys.public_keys()
    algorithms = {kid: keys.NAMES[keys.algorithm_of(text)] for kid, text in published.items()}
    if request.GET.get("format") == "json" or "application/json" in request.headers.get("Accept", ""):
        return JsonResponse(
            {
                "algorithm": keys.NAMES[keys.configured_algorithm()],
                "algorithms": algorithms,
                "format": "JS1.<claims>.<signature>",
                "keys": published,
            }
        )
    rows = [(kid, algorithms[kid], text) for kid, text in published.items()]
    return render(request, "certificates/keys.html", {"keys": rows})


@permissions.capability_required(Capability.READ_CERTIFICATES)
def certificate_list(request: HttpRequest) -> HttpResponse:
    certificates = Certificate.objects.visible_to(request.user).select_related("issuer")
    query = request.GET.get("q", "").strip()
    if query:
        certificates = certificates.filter(number__icontains=query) | certificates.filter(holder_name=query)
    return render(request, "certificates/list.html", {"certificates": certificates[:100], "q": query})


@permissions.capability_required(Capability.READ_CERTIFICATES)
def certificate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = get_visible_or_404(Certificate.objects.select_related("issuer"), request.user, pk=pk)
    user = request.user
    pending = certificate.revocations.filter(status=RevocationRequest.Status.PENDING).first()
    # The holder's full ID number is masked as in the registry; showing it goes through the registry's
    # audited reveal, on the registry's record of the holder when the registry has one.
    holder = (
        apps.get_model("registry", "Person")
        .objects.visible_to(user)
        .filter(id_number=certificate.holder_id_number, merged_into__isnull=True)
        .first()
    )
    return render(
        request,
        "certificates/detail.html",
        {
            "certificate": certificate,
            "holder": holder,
            "pending": pending,
            "revocations": certificate.revocations.select_related("requested_by", "decided_by"),
            "can_request": pending is None and permissions.holds(user, Capability.REQUEST_REVOCATION),
            "can_decide": pending is not None
            and permissions.holds(user, Capability.APPROVE_REVOCATION)
            and may_take(user, earlier={"request_revocation": pending.requested_by}),
        },
    )


@permissions.capability_required(Capability.READ_CERTIFICATES)
def certificate_download(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    certificate = get_visible_or_404(Certificate.objects.select_related("issuer"), request.user, pk=pk)
    # The PDF carries the holder's full ID number: handing it over is a disclosure like a reveal.
    disclosure_record(
        by=request.user,
        kind="certificate_pdf",
        count=1,
        fields=("name", "id_number"),
        object_type=Certificate._meta.label_lower,
        object_id=str(certificate.pk),
        object_repr=certificate.number,
        area_code=certificate.audit_area_code(),
    )
    return pdf_response(certificate)


def pdf_response(certificate: Certificate) -> HttpResponse:
    response = HttpResponse(certificate_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{certificate.number}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


def _confirmed(request: HttpRequest) -> bool:
    """Irreversible steps carry a ticked "I understand this cannot be undone" box."""
    if request.POST.get("confirm") == "yes":
        return True
    messages.error(request, _("Tick the box to confirm: this step cannot be undone."))
    return False


@require_POST
@permissions.capability_required(Capability.REQUEST_REVOCATION)
def certificate_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Step one: ask for the revocation; a township head decides (certificate_revoke_decide)."""
    certificate = get_visible_or_404(Certificate.objects.all(), request.user, pk=pk)
    if not permissions.holds(request.user, Capability.REQUEST_REVOCATION):
        raise Http404
    if _confirmed(request):
        try:
            services.certificate_revoke_request(
                certificate=certificate, reason=request.POST.get("reason", ""), by=request.user
            )
            messages.success(request, _("The revocation has been requested; a township head decides on it."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return redirect("certificates:detail", pk=certificate.pk)


@require_POST
@permissions.capability_required(Capability.APPROVE_REVOCATION)
def certificate_revoke_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    certificate = get_visible_or_404(Certificate.objects.all(), request.user, pk=pk)
    revocation = certificate.revocations.filter(status=RevocationRequest.Status.PENDING).first()
    if revocation is None or not permissions.holds(request.user, Capability.APPROVE_REVOCATION):
        raise Http404
    approve = request.POST.get("decision") == "approve"
    if approve and not _confirmed(request):
        return redirect("certificates:detail", pk=certificate.pk)
    try:
        services.certificate_revoke_decide(
            revocation=revocation, approve=approve, note=request.POST.get("note", ""), by=request.user
        )
        messages.success(
            request,
            _("The certificate has been revoked.") if approve else _("The revocation request was rejected."),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("Only a township head may decide on a revocation."))
    return redirect("certificates:detail", pk=certificate.pk)
