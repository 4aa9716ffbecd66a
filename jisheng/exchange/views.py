"""The exchange pages for county and city staff: the peers with the reconciliation of each, a peer's
detail (what needs attention), adding a peer, and carrying a signed batch file either way."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jisheng.accounts import permissions
from jisheng.accounts.http import AuthenticatedHttpRequest
from jisheng.accounts.permissions import Capability
from jisheng.core.clientaddress import client_address
from jisheng.core.uploads import MB, limit_uploads, nothing_submitted, upload_refusal

from . import conf, identity, queries, services
from .models import Peer


def _peer_or_404(code: str) -> Peer:
    peer = Peer.objects.filter(code=code).first()
    if peer is None:
        raise Http404(_("Not found, or outside your area."))
    return peer


def _deployment_wide(request: AuthenticatedHttpRequest, capability: Capability) -> bool:
    """Whether the user holds ``capability`` over the whole deployment: peers, files and refusals belong
    to the deployment, not to an area within it (county or city staff of this deployment)."""
    return permissions.may(request.user, capability, identity.self_area_code())


@permissions.capability_required(Capability.READ_EXCHANGE)
def peer_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    wide = _deployment_wide(request, Capability.READ_EXCHANGE)
    return render(
        request,
        "exchange/peers.html",
        {
            "rows": queries.reconciliation(request.user),
            "me": identity.current(),
            "unattributed": queries.unattributed_refusals(limit=20) if wide else [],
            "may_manage": _deployment_wide(request, Capability.MANAGE_EXCHANGE),
        },
    )


@permissions.capability_required(Capability.READ_EXCHANGE)
def peer_detail(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    peer = _peer_or_404(code)
    [figures] = queries.reconciliation(request.user, [peer])
    return render(
        request,
        "exchange/peer.html",
        {
            "peer": peer,
            "figures": figures,
            "lists": queries.outbox_needing_attention(request.user, peer),
            "refusals": queries.recent_refusals(peer)
            if _deployment_wide(request, Capability.READ_EXCHANGE)
            else [],
            "may_manage": _deployment_wide(request, Capability.MANAGE_EXCHANGE),
        },
    )


@permissions.capability_required(Capability.MANAGE_EXCHANGE)
def peer_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    values = {
        key: request.POST.get(key, "") for key in ("code", "name", "area_prefixes", "base_url", "public_key")
    }
    if request.method == "POST":
        try:
            peer = services.peer_add(by=request.user, **values)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("The peer deployment %(peer)s is trusted.") % {"peer": peer})
            return redirect("exchange:peer", code=peer.code)
    return render(request, "exchange/peer_add.html", {"values": values})


@require_POST
@permissions.capability_required(Capability.MANAGE_EXCHANGE)
def peer_disable(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    peer = _peer_or_404(code)
    try:
        services.peer_disable(by=request.user, peer=peer)
        messages.success(request, _("Nothing more is sent to or accepted from %(peer)s.") % {"peer": peer})
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("exchange:peer", code=peer.code)


@require_POST
@permissions.capability_required(Capability.MANAGE_EXCHANGE)
def peer_retry(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    peer = _peer_or_404(code)
    try:
        count = services.outbox_retry(by=request.user, peer=peer)
        if count:  # sent at once by a worker, not at the scheduler's next minute
            from .jobs import outbox_send_queue

            outbox_send_queue(peer_code=peer.code, ignore_backoff=True)
        messages.success(request, _("%(count)d failed messages are queued again.") % {"count": count})
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("exchange:peer", code=peer.code)


@require_POST
@permissions.capability_required(Capability.MANAGE_EXCHANGE)
def peer_export(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    peer = _peer_or_404(code)
    try:
        data, _count = services.batch_export(
            by=request.user, peer=peer, again=request.POST.get("again") == "1"
        )
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("exchange:peer", code=peer.code)
    response = HttpResponse(data, content_type="application/json; charset=utf-8")
    name = (
        f"jisheng-exchange-{services.identity.self_code()}-to-{peer.code}-{timezone.now():%Y%m%d%H%M%S}.json"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@limit_uploads(
    max_files=1, max_file_bytes=services.MAX_FILE_BYTES, max_total_bytes=services.MAX_FILE_BYTES + MB
)
@permissions.capability_required(Capability.MANAGE_EXCHANGE)
def batch_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    result = None
    if request.method == "POST":
        refusal = upload_refusal(request)
        upload = request.FILES.get("file")
        if refusal or upload is None:
            messages.error(request, nothing_submitted(refusal or _("choose the file to import.")))
        else:
            try:
                result = services.batch_import(
                    by=request.user, data=upload.read(), remote=client_address(request)
                )
            except services.FileRefused as exc:
                messages.error(request, _("The file was refused: %(reason)s") % {"reason": exc.reason})
            except PermissionDenied as exc:
                messages.error(request, str(exc))
    return render(request, "exchange/import.html", {"result": result})


@permissions.capability_required(Capability.ROTATE_EXCHANGE_KEY)
def key(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The security administrator's page: this deployment's public key, whether each peer has taken the
    last rotation, and the step that rotates the key pair."""
    if not _deployment_wide(request, Capability.ROTATE_EXCHANGE_KEY):
        raise PermissionDenied(_("This is outside your area."))
    if request.method == "POST":
        try:
            rotation = services.key_rotate(by=request.user)
        except (ValidationError, PermissionDenied) as refusal:
            messages.error(request, "；".join(getattr(refusal, "messages", [str(refusal)])))
        else:
            messages.success(
                request,
                _("The key was replaced; the new public key is announced to %(count)s peers.")
                % {"count": len(rotation.peers)},
            )
        return redirect("exchange:key")
    return render(
        request,
        "exchange/key.html",
        {
            "me": identity.current(),
            "peers": queries.key_rotation_status(),
            "grace_days": conf.key_grace_days(),
        },
    )
