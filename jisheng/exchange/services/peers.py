"""Peers: the deployments this one trusts."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability
from jisheng.audit.services import record
from jisheng.core.actor import Actor

from .. import identity, signing
from ..models import Peer

# --- peers


def _clean_prefixes(raw: str) -> str:
    prefixes = []
    for item in raw.replace("，", ",").replace(" ", ",").split(","):
        item = item.strip()
        if not item:
            continue
        if not item.isdigit() or not 2 <= len(item) <= 12:
            raise ValidationError(
                _("Area code prefix “%(prefix)s” must be 2 to 12 digits.") % {"prefix": item}
            )
        prefixes.append(item)
    if not prefixes:
        raise ValidationError(_("Give at least one area code prefix the peer speaks for."))
    return ",".join(prefixes)


def peer_add(*, by: Actor, code: str, name: str, area_prefixes: str, base_url: str, public_key: str) -> Peer:
    """Trust another deployment (or update the entry of one already known, enabling it again).
    Its own transaction; may be nested."""
    permissions.ensure(by, Capability.MANAGE_EXCHANGE, identity.self_area_code())
    code, name, base_url, public_key = (
        code.strip(),
        name.strip(),
        base_url.strip().rstrip("/"),
        public_key.strip(),
    )
    if not code.isdigit() or not 2 <= len(code) <= 12:
        raise ValidationError(_("The peer's code “%(code)s” must be 2 to 12 digits.") % {"code": code})
    if code == identity.self_code():
        raise ValidationError(_("The code %(code)s is this deployment's own.") % {"code": code})
    if not name:
        raise ValidationError(_("The peer's name is empty."))
    if base_url and not base_url.startswith(("http://", "https://")):
        raise ValidationError(_("The peer's address must start with http:// or https://."))
    try:
        signing.load_public_key(public_key)
    except ValueError as exc:
        raise ValidationError(_("The public key is not an Ed25519 public key in base64.")) from exc
    prefixes = _clean_prefixes(area_prefixes)
    with transaction.atomic():
        peer = Peer.objects.select_for_update().filter(code=code).first()
        before = None
        if peer is None:
            peer = Peer(code=code, created_at=timezone.now())
        else:
            before = _peer_snapshot(peer)
        peer.name, peer.area_prefixes, peer.base_url, peer.public_key = name, prefixes, base_url, public_key
        peer.enabled = True
        peer.save()
        record(by=by, action="exchange.peer_add", obj=peer, before=before, after=_peer_snapshot(peer))
    return peer


def peer_disable(*, by: Actor, peer: Peer) -> Peer:
    """Stop trusting a peer: nothing more is sent to it or accepted from it (its messages stay queued).
    Its own transaction; may be nested."""
    permissions.ensure(by, Capability.MANAGE_EXCHANGE, identity.self_area_code())
    with transaction.atomic():
        locked = Peer.objects.select_for_update().get(pk=peer.pk)
        locked.enabled = False
        locked.save(update_fields=["enabled"])
        record(
            by=by,
            action="exchange.peer_disable",
            obj=locked,
            before={"enabled": True},
            after={"enabled": False},
        )
    return locked


def _peer_snapshot(peer: Peer) -> dict[str, Any]:
    return {
        "code": peer.code,
        "name": peer.name,
        "area_prefixes": peer.area_prefixes,
        "base_url": peer.base_url,
        "public_key": peer.public_key,
        "enabled": peer.enabled,
    }


def peer_for_area(area_code: str) -> Peer | None:
    """The enabled peer that speaks for ``area_code`` (the longest matching prefix wins)."""
    best: tuple[int, Peer] | None = None
    for peer in Peer.objects.filter(enabled=True):
        for prefix in peer.prefixes:
            if area_code.startswith(prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), peer)
    return best[1] if best else None
