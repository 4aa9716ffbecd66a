"""Rotating this deployment's key pair, and accepting a peer's rotation.

``key_rotate`` (the security administrator's page, or ``jisheng exchange-key-rotate``) makes a new key
pair of the algorithm the deployment signs with (Ed25519, or SM2 with ``JISHENG_EXCHANGE_ALGORITHM=sm2``)
and announces the new public key to every enabled peer in an ``exchange.key_rotation`` message that is
signed by the OLD key (kept as the previous key for that purpose) and carries a proof made with the new
one. Until a peer acknowledges the announcement, everything sent to it is still signed with the
old key, so nothing in its queue is refused for a key it does not know yet.

A peer takes the new key only from such a message (``_key_rotation_received``): signed by the key it
holds, naming that key as the one replaced, with a valid proof. The old key still verifies messages
already in flight (a batch file exported before, a retry) for ``JISHENG_EXCHANGE_KEY_GRACE_DAYS``
(default 7); after that a message signed with it is refused, and the refusal is logged with its reason.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability
from jisheng.areas.codes import normalize_code
from jisheng.audit.services import record
from jisheng.core.actor import Actor

from .. import conf, envelopes, handlers, identity, signing
from ..models import InboxMessage, OutboxMessage, OutboxState, Peer

KEY_ROTATION = "exchange.key_rotation"
KEY_SUBJECT = "exchange-key"
PENDING_STATES = (OutboxState.PENDING, OutboxState.SENDING, OutboxState.EXPORTED, OutboxState.FAILED)


@dataclass(frozen=True)
class Rotation:
    previous_key: str
    public_key: str
    peers: list[str]


def rotation_pending(peer: Peer) -> bool:
    """Whether an announcement of our new key to ``peer`` is not yet acknowledged (so what we send it
    is still signed with the previous key)."""
    return OutboxMessage.objects.filter(peer=peer, kind=KEY_ROTATION, state__in=PENDING_STATES).exists()


def signing_key_for(peer: Peer) -> signing.PrivateKey | None:
    """The key to sign what goes to ``peer`` now: the previous one while our rotation is not yet
    acknowledged by it; None for the current key."""
    if not rotation_pending(peer):
        return None
    return signing.previous_private_key()


def key_rotate(*, by: Actor) -> Rotation:
    """Replace this deployment's key pair and announce the new public key to every enabled peer, signed
    by the old key; audited as a security event. Refused while an earlier rotation is still on its way
    to a peer. Outermost (it replaces the key files when its transaction is about to commit)."""
    permissions.ensure(by, Capability.ROTATE_EXCHANGE_KEY, identity.self_area_code())
    waiting = sorted(
        set(
            OutboxMessage.objects.filter(kind=KEY_ROTATION, state__in=PENDING_STATES).values_list(
                "peer__code", flat=True
            )
        )
    )
    if waiting:
        raise ValidationError(
            _("The last key rotation has not yet been acknowledged by %(peers)s; rotate again after it is.")
            % {"peers": "、".join(waiting)}
        )
    previous_public = signing.own_public_key()
    new = signing.generate_private_key()  # SM2 for a deployment that signs with SM2
    new_public = signing.public_key_text(new.public_key())
    own_area = identity.self_area_code()
    statement = {
        "code": identity.self_code(),
        "public_key": new_public,
        "previous_key": previous_public,
        "rotated_at": envelopes.timestamp(timezone.now()),
    }
    proof = signing.sign(statement, new)[signing.SIGNATURE]
    from .sending import message_send

    with transaction.atomic():
        peers = list(Peer.objects.filter(enabled=True).order_by("code"))
        for peer in peers:
            message_send(
                by=by,
                kind=KEY_ROTATION,
                to_area_code=normalize_code(peer.prefixes[0]),
                subject_key=KEY_SUBJECT,
                body={**statement, "proof": proof},
                from_area_code=own_area,
            )
        record(
            by=by,
            action="exchange.key_rotate",
            object_type="exchange.key",
            object_id=statement["code"],
            object_repr=_("Exchange signing key"),
            before={"public_key": previous_public},
            after={"public_key": new_public, "announced_to": [peer.code for peer in peers]},
            area_code=own_area,
        )
        signing.rotate(new)  # last: a failure here rolls the announcements back
    return Rotation(previous_key=previous_public, public_key=new_public, peers=[p.code for p in peers])


def signature_of(peer: Peer, document: dict[str, Any], *, now: datetime.datetime | None = None) -> str:
    """Which of the peer's keys signed ``document``: "current", "previous" (its replaced key, within
    the grace period), "expired" (the replaced key, after it) or "" (neither)."""
    if signing.verify(document, peer.public_key):
        return "current"
    if peer.previous_public_key and signing.verify(document, peer.previous_public_key):
        now = now or timezone.now()
        if peer.previous_key_until is not None and now <= peer.previous_key_until:
            return "previous"
        return "expired"
    return ""


def expired_key_reason(peer: Peer) -> str:
    until = timezone.localtime(peer.previous_key_until) if peer.previous_key_until else None
    return _(
        "The message is signed with the key %(peer)s replaced; messages signed with it were accepted "
        "until %(until)s."
    ) % {"peer": peer.code, "until": f"{until:%Y-%m-%d %H:%M}" if until else "—"}


def _key_rotation_received(message: InboxMessage, peer: Peer, *, by: Actor) -> dict[str, Any]:
    """The peer announced a new key in a message signed by the key we hold (checked by the inbox):
    take it, keep the old one for the grace period. A second delivery changes nothing."""
    body = message.body
    new_public = str(body.get("public_key", ""))
    previous = str(body.get("previous_key", ""))
    statement = {key: body.get(key) for key in ("code", "public_key", "previous_key", "rotated_at")}
    locked = Peer.objects.select_for_update().get(pk=peer.pk)
    if locked.public_key == new_public:
        return {"public_key": new_public, "already": True}
    if statement["code"] != locked.code or previous != locked.public_key:
        raise handlers.Refused(
            _("The key rotation does not replace the key this deployment holds for the peer.")
        )
    try:
        signing.load_public_key(new_public)
    except ValueError as exc:
        raise handlers.Refused(_("The announced key is not an Ed25519 or SM2 public key.")) from exc
    if not signing.verify({**statement, signing.SIGNATURE: body.get("proof", "")}, new_public):
        raise handlers.Refused(_("The announcement is not signed by the new key it announces."))
    now = timezone.now()
    before = {"public_key": locked.public_key}
    locked.previous_public_key = locked.public_key
    locked.previous_key_until = now + datetime.timedelta(days=conf.key_grace_days())
    locked.public_key = new_public
    locked.key_changed_at = now
    locked.save(update_fields=["previous_public_key", "previous_key_until", "public_key", "key_changed_at"])
    record(
        by=by,
        action="exchange.peer_key_rotated",
        obj=locked,
        before=before,
        after={"public_key": new_public, "previous_key_until": locked.previous_key_until.isoformat()},
        area_code=identity.self_area_code(),
    )
    peer.refresh_from_db()  # the batch's later messages are checked against the new key
    return {"public_key": new_public}
