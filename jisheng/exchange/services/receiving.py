"""Receiving: checking envelopes and applying them exactly once."""

from __future__ import annotations

import datetime
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.audit.services import record
from jisheng.core.actor import Actor

from .. import conf, envelopes, handlers, identity, signing
from ..models import InboxMessage, InboxRefusal, InboxState, OutboxMessage, OutboxState, Peer
from .common import (
    RECEIPT_KIND,
)
from .keys import KEY_ROTATION, _key_rotation_received, expired_key_reason, signature_of
from .sending import _apply_receipt, _receipt_valid

# --- receiving


class EnvelopeRefused(Exception):  # noqa: N818 -- an answer to the sender
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, str(reason)


@dataclass
class InboxResult:
    receipts: list[dict[str, Any]] = field(default_factory=list)
    refusal: dict[str, Any] | None = None
    applied: int = 0
    duplicates: int = 0
    refused_by_handler: int = 0


def inbox_receive(
    *,
    by: Actor,
    envelopes_in: list[Any],
    transport_name: str = "http",
    remote: str = "",
    sender_code: str | None = None,
) -> InboxResult:
    """Check and apply envelopes in order; stop at the first one that is refused, so what a sender sends
    in order is applied in order. The whole batch is one transaction (``INBOX`` acts), each message in
    its own savepoint, with one audit event per sending peer for the messages applied (a refusal, and a
    message its handler refused, have their own events). A handler that fails rolls the batch back: the
    sender sends it again and each message is still applied once. May be nested.

    ``sender_code`` (for a file: the file's signed sender) must match every envelope's sender."""
    result = InboxResult()
    own_code = identity.self_code()
    batch = _Batch(own_code=own_code, known=_known_messages(envelopes_in))
    with transaction.atomic():
        for envelope in envelopes_in:
            try:
                peer = _check_envelope(
                    envelope, own_code=own_code, transport_name=transport_name, peers=batch.peers
                )
                if sender_code is not None and peer.code != sender_code:
                    raise EnvelopeRefused("unknown_peer", _("The message's sender is not the file's sender."))
                receipt, outcome = _apply_envelope(
                    peer, envelope, transport_name=transport_name, by=by, batch=batch
                )
            except EnvelopeRefused as refusal:
                _refusal_record(refusal, envelope, transport_name=transport_name, remote=remote, by=by)
                result.refusal = {
                    "message_id": str(envelope.get("id", "")) if isinstance(envelope, dict) else "",
                    "code": refusal.code,
                    "detail": refusal.reason,
                }
                break
            result.receipts.append(receipt)
            if outcome == "duplicate":
                result.duplicates += 1
            elif outcome == "refused":
                result.refused_by_handler += 1
            else:
                result.applied += 1
        for peer, applied in batch.applied.items():
            record(
                by=by,
                action="exchange.messages_received",
                obj=peer,
                after={"transport": transport_name, "messages": applied},
                area_code=identity.self_area_code(),
            )
    return result


@dataclass
class _Batch:
    """What one call of ``inbox_receive`` looks up once: this deployment's code, the senders, the
    messages of the batch already received; and what it applied, per peer, for its audit event."""

    own_code: str
    known: dict[str, InboxMessage]
    peers: dict[str, Peer | None] = field(default_factory=dict)
    applied: dict[Peer, list[dict[str, Any]]] = field(default_factory=dict)


def _known_messages(envelopes_in: list[Any]) -> dict[str, InboxMessage]:
    """The messages of the batch this deployment already has, by id (one query)."""
    ids: list[str] = []
    for envelope in envelopes_in:
        if isinstance(envelope, dict) and isinstance(envelope.get("id"), str):
            try:
                ids.append(str(uuid.UUID(envelope["id"])))
            except ValueError:
                continue
    if not ids:
        return {}
    return {str(message.message_id): message for message in InboxMessage.objects.filter(message_id__in=ids)}


def _check_envelope(
    envelope: Any, *, own_code: str, transport_name: str, peers: dict[str, Peer | None] | None = None
) -> Peer:
    """The peer that sent ``envelope`` when every check passes; EnvelopeRefused otherwise. ``peers``
    keeps the senders already looked up (for a batch)."""
    if not isinstance(envelope, dict):
        raise EnvelopeRefused("malformed", _("The message is not a JSON object."))
    if not envelope.get("signature"):
        raise EnvelopeRefused("unsigned", _("The message is not signed."))
    problem = envelopes.shape_problem(envelope, envelopes.ENVELOPE_FIELDS)
    if problem:
        raise EnvelopeRefused(
            "malformed", _("The message's field “%(field)s” is missing or malformed.") % {"field": problem}
        )
    peers = {} if peers is None else peers
    if envelope["from"] not in peers:
        peers[envelope["from"]] = Peer.objects.filter(code=envelope["from"], enabled=True).first()
    peer = peers[envelope["from"]]
    if peer is None:
        raise EnvelopeRefused(
            "unknown_peer", _("The sender %(code)s is not a trusted peer.") % {"code": envelope["from"]}
        )
    signed_by = signature_of(peer, envelope)
    if signed_by == "expired":
        raise EnvelopeRefused("old_key", expired_key_reason(peer))
    if not signed_by:
        raise EnvelopeRefused(
            "bad_signature",
            _(
                "The signature does not match the sender's key: the message was altered or signed by someone else."
            ),
        )
    if envelope["to"] != own_code:
        raise EnvelopeRefused(
            "wrong_recipient",
            _("The message is addressed to %(code)s, not to this deployment.") % {"code": envelope["to"]},
        )
    if "\\u0000" in json.dumps(envelope):  # text no database column may hold (PostgreSQL refuses NUL)
        raise EnvelopeRefused(
            "malformed", _("The message's field “%(field)s” is missing or malformed.") % {"field": "body"}
        )
    too_long = {"seq": not 1 <= envelope["seq"] < 2**31, "subject": len(envelope["subject"]) > 64}
    too_long["kind"] = len(envelope["kind"]) > 48
    for name, wrong in too_long.items():
        if wrong:
            raise EnvelopeRefused(
                "malformed", _("The message's field “%(field)s” is missing or malformed.") % {"field": name}
            )
    try:
        uuid.UUID(envelope["id"])
        created = envelopes.parse_timestamp(envelope["created"])
        sent = envelopes.parse_timestamp(envelope["sent"])
    except ValueError as exc:
        raise EnvelopeRefused("malformed", _("The message's id or time is malformed.")) from exc
    now = timezone.now()
    skew = datetime.timedelta(seconds=conf.max_skew_seconds())
    if created > now + skew or sent > now + skew or (transport_name == "http" and sent < now - skew):
        raise EnvelopeRefused(
            "stale",
            _("The message's time (%(time)s) is too far from this deployment's clock.")
            % {"time": envelope["sent"]},
        )
    if not peer.speaks_for(envelope["from_area"]):
        raise EnvelopeRefused(
            "area",
            _("The sender does not speak for area %(code)s.") % {"code": envelope["from_area"]},
        )
    if not envelope["to_area"].startswith(own_code) or len(envelope["to_area"]) != 12:
        raise EnvelopeRefused(
            "area",
            _("Area %(code)s is not served by this deployment.") % {"code": envelope["to_area"]},
        )
    return peer


def _apply_envelope(
    peer: Peer, envelope: dict[str, Any], *, transport_name: str, by: Actor, batch: _Batch | None = None
) -> tuple[dict[str, Any], str]:
    key = str(uuid.UUID(envelope["id"]))
    if batch is None:
        batch = _Batch(own_code=identity.self_code(), known=_known_messages([envelope]))
    digest = envelopes.content_hash(envelope)
    existing = batch.known.get(key)
    if existing is not None:
        return _redelivery(existing, peer, envelope, digest, transport_name)
    try:
        with transaction.atomic():
            message = InboxMessage.objects.create(
                message_id=envelope["id"],
                peer=peer,
                kind=envelope["kind"],
                subject_key=envelope["subject"][:64],
                sequence=envelope["seq"],
                from_area_code=envelope["from_area"],
                to_area_code=envelope["to_area"],
                body=envelope["body"],
                created_at=envelopes.parse_timestamp(envelope["created"]),
                received_at=timezone.now(),
                transport=transport_name,
                content_hash=digest,
                state=InboxState.APPLIED,
            )
            payload, reason = _run_handler(message, peer, by=by)
            if reason:
                message.state, message.reason = InboxState.REFUSED, reason[:300]
            message.receipt = signing.sign(
                {
                    "v": envelopes.VERSION,
                    "receipt_for": str(message.message_id),
                    "from": batch.own_code,
                    "to": peer.code,
                    "status": "refused" if reason else "applied",
                    "payload": payload,
                    "reason": message.reason,
                    "at": envelopes.timestamp(timezone.now()),
                }
            )
            InboxMessage.objects.filter(pk=message.pk).update(
                state=message.state, reason=message.reason, receipt=message.receipt
            )
            if reason:
                record(
                    by=by,
                    action="exchange.message_refused_by_handler",
                    obj=message,
                    after=_audited(message, peer, transport_name),
                    reason=message.reason,
                )
            if transport_name == "file" and message.kind != RECEIPT_KIND:
                # No answer travels back on a file: the receipt goes back as a message of its own.
                _queue_receipt(message, peer)
    except IntegrityError:
        existing = InboxMessage.objects.filter(message_id=envelope["id"]).first()
        if existing is None:
            raise
        return _redelivery(existing, peer, envelope, digest, transport_name)
    batch.known[key] = message
    if not reason:
        batch.applied.setdefault(peer, []).append(
            {
                "id": envelope["id"],
                "kind": message.kind,
                "subject": message.subject_key,
                "seq": message.sequence,
            }
        )
    return message.receipt, "refused" if message.state == InboxState.REFUSED else "applied"


def _audited(message: InboxMessage, peer: Peer, transport_name: str) -> dict[str, Any]:
    return {
        "kind": message.kind,
        "peer": peer.code,
        "subject": message.subject_key,
        "sequence": message.sequence,
        "transport": transport_name,
    }


def _run_handler(message: InboxMessage, peer: Peer, *, by: Actor) -> tuple[dict[str, Any], str]:
    """The handler's payload, or its refusal's reason; what a refusing handler wrote is rolled back."""
    if message.kind == RECEIPT_KIND:
        return _receipt_message(message, peer, by=by), ""
    if message.kind == KEY_ROTATION:
        try:
            with transaction.atomic():
                return _key_rotation_received(message, peer, by=by), ""
        except handlers.Refused as refusal:
            return {}, refusal.reason
    handler = handlers.handler_for(message.kind)
    if handler is None:
        return {}, _("This deployment does not handle messages of kind “%(kind)s”.") % {"kind": message.kind}
    try:
        with transaction.atomic():
            payload = handler(message=message)
    except handlers.Refused as refusal:
        return {}, refusal.reason or _("Refused.")
    return dict(payload or {}), ""


def _receipt_message(message: InboxMessage, peer: Peer, *, by: Actor) -> dict[str, Any]:
    """A receipt that came back as a message (for messages that travelled in a file)."""
    receipt = message.body.get("receipt")
    if not isinstance(receipt, dict):
        return {"matched": False}
    try:
        receipt_for = uuid.UUID(str(receipt.get("receipt_for", "")))
    except ValueError:
        return {"matched": False}
    outgoing = OutboxMessage.objects.filter(message_id=receipt_for, peer=peer).first()
    if outgoing is None or not _receipt_valid(peer, outgoing, receipt):
        return {"matched": False}
    _apply_receipt(outgoing, receipt, by=by)
    return {"matched": True}


def _queue_receipt(message: InboxMessage, peer: Peer) -> None:
    now = timezone.now()
    OutboxMessage.objects.create(
        peer=peer,
        kind=RECEIPT_KIND,
        subject_key=f"receipt-{message.message_id}",
        sequence=1,
        from_area_code=message.to_area_code,
        to_area_code=message.from_area_code,
        body={"receipt": message.receipt},
        created_at=now,
        state=OutboxState.PENDING,
        next_attempt_at=now,
    )


def _redelivery(
    existing: InboxMessage, peer: Peer, envelope: dict[str, Any], digest: str, transport_name: str
) -> tuple[dict[str, Any], str]:
    if existing.peer_id != peer.pk or existing.content_hash != digest:
        raise EnvelopeRefused(
            "replayed",
            _("Message id %(id)s was already received with other content: refused as a replay.")
            % {"id": envelope["id"]},
        )
    return existing.receipt, "duplicate"


def _text(value: Any, length: int) -> str:
    """What a refused message claimed, as storable text (PostgreSQL refuses NUL characters)."""
    return str(value).replace("\x00", "")[:length]


def _refusal_record(
    refusal: EnvelopeRefused, envelope: Any, *, transport_name: str, by: Actor, remote: str = ""
) -> InboxRefusal:
    """Write a refused message's trace (and its audit event) in its own transaction."""
    claimed = envelope if isinstance(envelope, dict) else {}
    with transaction.atomic():
        row = InboxRefusal.objects.create(
            at=timezone.now(),
            code=refusal.code,
            reason=_text(refusal.reason, 300),
            sender_code=_text(claimed.get("from", ""), 64),
            message_id=_text(claimed.get("id", ""), 64),
            kind=_text(claimed.get("kind", ""), 48),
            transport=transport_name,
            remote=remote[:64],
        )
        record(
            by=by,
            action="exchange.message_rejected",
            obj=row,
            after={
                "code": refusal.code,
                "sender": row.sender_code,
                "message_id": row.message_id,
                "kind": row.kind,
            },
            reason=row.reason,
            area_code=identity.self_area_code(),
        )
    return row
