"""The exchange's services: peers, sending through the durable outbox, receiving into the inbox, and
the signed batch file for a peer without a network link.

For other apps (transport only, the meaning belongs to the app that registers a kind):

* ``message_send(by=, kind=, to_area_code=, subject_key=, body=)`` queues a message in the caller's
  transaction, routed to the enabled peer whose area prefixes cover ``to_area_code``;
* ``jisheng.exchange.handlers.register(kind, handler)`` gives a kind its meaning on the receiving side.

Sending (``outbox_send``, run by ``jisheng exchange-send`` every minute and tried right after a commit)
claims due messages with a conditional UPDATE that stamps them with a claim token, so two workers never
send one message twice; it sends them in batches over HTTP (``transport.post``), verifies each signed
receipt, and marks each message acknowledged or refused by its receipt. A failure puts the message back
with a growing pause (``backoff``); after MAX_ATTEMPTS it is marked failed, kept and shown. Messages about
one subject to one peer go in sequence order: a message is only sent once every earlier one of its
subject is done (acknowledged or refused).

Receiving (``inbox_receive``) checks each envelope (shape, sender, signature, time, areas, replay), then
applies it in one transaction with its handler, exactly once per message id; a re-delivery gets the
stored receipt again. A refused envelope is written to ``InboxRefusal`` with an audit event.
"""

from __future__ import annotations

import datetime
import json
import logging
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability
from jisheng.areas.codes import normalize_code
from jisheng.areas.scoping import can_see_area
from jisheng.audit.services import record
from jisheng.core.actor import Actor, System, is_staff

from . import conf, envelopes, handlers, identity, signing, transport
from .models import InboxMessage, InboxRefusal, InboxState, OutboxMessage, OutboxState, Peer

logger = logging.getLogger("jisheng.exchange")

INBOX = System(job="exchange inbox")
SENDER = System(job="exchange sender")
RECEIPT_KIND = "exchange.receipt"
MAX_ATTEMPTS = 40
STALE_AFTER = datetime.timedelta(minutes=5)
BATCH_SIZE = 100
UNFINISHED = (OutboxState.PENDING, OutboxState.SENDING, OutboxState.EXPORTED, OutboxState.FAILED)


def backoff(attempts: int) -> datetime.timedelta:
    """30 s, 1, 2, 4 … minutes after the first, second, third failure; at most an hour."""
    return datetime.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


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


# --- sending


def message_send(
    *,
    by: Actor,
    kind: str,
    to_area_code: str,
    subject_key: str,
    body: dict[str, Any],
    from_area_code: str | None = None,
) -> OutboxMessage:
    """Queue a message to the peer that speaks for ``to_area_code``, in the caller's transaction: it
    exists exactly when the caller's change commits, and is sent after the commit (and by the periodic
    ``exchange-send`` until the peer acknowledges it). May be nested (it is meant to be).

    ``from_area_code`` is the area of this deployment the message comes from (a staff member's own area
    by default, the deployment's area for the system); a staff member may only send from their area.
    The caller's own service has checked its capability; this checks areas and routes.
    Raises ``ValidationError`` with a Chinese reason when no peer speaks for the area.
    """
    if not kind or len(kind) > 48:
        raise ValueError(f"message kind {kind!r} must be 1–48 characters")
    if not subject_key or len(subject_key) > 64:
        raise ValueError("the subject key must be 1–64 characters")
    try:
        to_code = normalize_code(to_area_code)
    except ValidationError as exc:
        raise ValidationError(
            _("Area code “%(code)s” is not a valid area code.") % {"code": to_area_code}
        ) from exc
    own_area = identity.self_area_code()
    own_code = identity.self_code()
    if from_area_code is None:
        from_area_code = str(getattr(by, "area_id", "") or "") if is_staff(by) else own_area
    from_code = normalize_code(from_area_code or own_area)
    if not from_code.startswith(own_code):
        raise ValidationError(_("Area %(code)s is not served by this deployment.") % {"code": from_code})
    if is_staff(by) and not can_see_area(by, from_code):
        raise ValidationError(_("This is outside your area."))
    if to_code.startswith(own_code):
        raise ValidationError(
            _("Area %(code)s is served by this deployment itself; nothing is sent.") % {"code": to_code}
        )
    peer = peer_for_area(to_code)
    if peer is None:
        raise ValidationError(
            _(
                "No peer deployment speaks for area %(code)s: ask the county's staff to add the deployment "
                "that serves it on the exchange page."
            )
            % {"code": to_code}
        )
    now = timezone.now()
    with transaction.atomic():
        # Taking the peer row (a write: it locks on PostgreSQL and takes SQLite's write lock) makes the
        # next sequence number of the subject safe against a concurrent sender.
        Peer.objects.filter(pk=peer.pk).update(enabled=F("enabled"))
        last = OutboxMessage.objects.filter(peer=peer, subject_key=subject_key).aggregate(m=Max("sequence"))[
            "m"
        ]
        message = OutboxMessage.objects.create(
            peer=peer,
            kind=kind,
            subject_key=subject_key,
            sequence=(last or 0) + 1,
            from_area_code=from_code,
            to_area_code=to_code,
            body=body,
            created_at=now,
            state=OutboxState.PENDING,
            next_attempt_at=now,
        )
        record(
            by=by,
            action="exchange.message_send",
            obj=message,
            after={
                "kind": kind,
                "peer": peer.code,
                "to_area": to_code,
                "subject": subject_key,
                "sequence": message.sequence,
                "body_fields": sorted(body),
            },
        )
        if peer.base_url and conf.send_on_commit():
            transaction.on_commit(lambda: send_soon(peer.code))
    return message


def envelope_of(message: OutboxMessage, *, sent: datetime.datetime) -> dict[str, Any]:
    """The signed envelope of an outbox message, as sent at ``sent``."""
    return signing.sign(
        {
            "v": envelopes.VERSION,
            "id": str(message.message_id),
            "from": identity.self_code(),
            "to": message.peer.code,
            "kind": message.kind,
            "subject": message.subject_key,
            "seq": message.sequence,
            "from_area": message.from_area_code,
            "to_area": message.to_area_code,
            "created": envelopes.timestamp(message.created_at),
            "sent": envelopes.timestamp(sent),
            "body": message.body,
        }
    )


_sender_lock = threading.Lock()
_again = threading.Event()


def send_soon(peer_code: str) -> None:
    """After a commit: send what is due now, in a thread of this process (one at a time; a commit while
    it runs makes it go round once more). Whatever it does not manage, ``exchange-send`` does later."""
    _again.set()
    if not _sender_lock.acquire(blocking=False):
        return

    def run() -> None:
        try:
            while _again.is_set():
                _again.clear()
                outbox_send(by=SENDER, peer_code=peer_code)
        except Exception:  # the periodic command will try again; never break the request that queued it
            logger.exception("sending to peer %s right after the commit failed", peer_code)
        finally:
            close_old_connections()
            connection.close()
            _sender_lock.release()

    threading.Thread(target=run, name="exchange-send", daemon=False).start()


def _due(now: datetime.datetime, *, ignore_backoff: bool = False) -> Q:
    pending = (
        Q(state=OutboxState.PENDING)
        if ignore_backoff
        else Q(state=OutboxState.PENDING, next_attempt_at__lte=now)
    )
    return pending | Q(state=OutboxState.SENDING, claimed_at__lt=now - STALE_AFTER)


def _sendable(peer: Peer, now: datetime.datetime, *, ignore_backoff: bool, limit: int) -> list[int]:
    """Ids of the peer's messages that may go now, in order: per subject, the run of due messages that
    starts at its first unfinished one."""
    rows = (
        OutboxMessage.objects.filter(peer=peer, state__in=UNFINISHED)
        .order_by("subject_key", "sequence")
        .values_list("id", "subject_key", "state", "next_attempt_at", "claimed_at")
    )
    due_pending = now if not ignore_backoff else None
    chosen: list[int] = []
    blocked_subject: str | None = None
    for pk, subject, state, next_at, claimed_at in rows.iterator(chunk_size=2000):
        if subject == blocked_subject:
            continue
        is_due = (
            state == OutboxState.PENDING and (due_pending is None or (next_at is not None and next_at <= now))
        ) or (state == OutboxState.SENDING and claimed_at is not None and claimed_at < now - STALE_AFTER)
        if not is_due:
            blocked_subject = subject  # this one waits, so do all later ones of the subject
            continue
        chosen.append(pk)
    chosen.sort()
    return chosen[:limit]


def _claim(
    ids: list[int], now: datetime.datetime, *, ignore_backoff: bool
) -> tuple[str, list[OutboxMessage]]:
    token = uuid.uuid4().hex
    OutboxMessage.objects.filter(_due(now, ignore_backoff=ignore_backoff), pk__in=ids).update(
        state=OutboxState.SENDING, claimed_at=now, claim_token=token, attempts=F("attempts") + 1
    )
    claimed = list(
        OutboxMessage.objects.filter(claim_token=token, state=OutboxState.SENDING)
        .select_related("peer")
        .order_by("subject_key", "sequence")
    )
    return token, claimed


@dataclass
class SendResult:
    acknowledged: int = 0
    refused: int = 0
    retry: int = 0
    failed: int = 0
    peers_down: list[str] = field(default_factory=list)

    def add(self, other: SendResult) -> None:
        self.acknowledged += other.acknowledged
        self.refused += other.refused
        self.retry += other.retry
        self.failed += other.failed
        self.peers_down += other.peers_down


def outbox_send(
    *, by: Actor, peer_code: str | None = None, ignore_backoff: bool = False, limit: int = 10_000
) -> SendResult:
    """Send what is due to every enabled peer with an address (or one peer). Each batch: claim (its own
    short statement), post outside any transaction, then record the outcomes in one transaction.
    ``ignore_backoff`` sends waiting messages now (an operator who knows the peer is back)."""
    result = SendResult()
    peers = Peer.objects.filter(enabled=True).exclude(base_url="")
    if peer_code is not None:
        peers = peers.filter(code=peer_code)
    for peer in peers:
        result.add(_send_to_peer(peer, by=by, ignore_backoff=ignore_backoff, limit=limit))
    return result


def _send_to_peer(peer: Peer, *, by: Actor, ignore_backoff: bool, limit: int) -> SendResult:
    result = SendResult()
    sent = 0
    while sent < limit:
        now = timezone.now()
        # One scan finds many batches' worth; they are sent in id order, which is each subject's order.
        ids = _sendable(peer, now, ignore_backoff=ignore_backoff, limit=BATCH_SIZE * 20)
        if not ids:
            return result
        claimed_any = False
        for start in range(0, len(ids), BATCH_SIZE):
            _token, claimed = _claim(ids[start : start + BATCH_SIZE], now, ignore_backoff=ignore_backoff)
            if not claimed:
                continue  # another worker took these
            claimed_any = True
            batch = _send_batch(peer, claimed, by=by)
            result.add(batch)
            sent += len(claimed)
            if batch.retry or batch.failed:
                if not (batch.acknowledged or batch.refused):
                    result.peers_down.append(peer.code)
                return result  # the peer is down or refusing: leave the rest for later
        if not claimed_any:
            return result
    return result


def _send_batch(peer: Peer, claimed: list[OutboxMessage], *, by: Actor) -> SendResult:
    sent_at = timezone.now()
    # Keep per-subject order inside the batch too: only a subject's consecutive run from its first
    # claimed message (a message another worker holds leaves a gap; what follows it waits).
    batch: list[OutboxMessage] = []
    released: list[OutboxMessage] = []
    expected: dict[str, int] = {}
    for message in claimed:
        previous = expected.get(message.subject_key)
        if previous is not None and message.sequence != previous + 1:
            released.append(message)
            continue
        expected[message.subject_key] = message.sequence
        batch.append(message)
    _release(released)
    envelopes_out = [envelope_of(message, sent=sent_at) for message in batch]
    try:
        answer = transport.post(peer.base_url, envelopes_out)
    except transport.TransportError as exc:
        return _record_failures(batch, str(exc), by=by)
    return _record_answer(peer, batch, answer, by=by)


def _release(messages: list[OutboxMessage]) -> None:
    for message in messages:
        OutboxMessage.objects.filter(pk=message.pk, state=OutboxState.SENDING).update(
            state=OutboxState.PENDING, attempts=F("attempts") - 1, claim_token=""
        )


@transaction.atomic
def _record_failures(batch: list[OutboxMessage], error: str, *, by: Actor) -> SendResult:
    result = SendResult()
    now = timezone.now()
    for message in batch:
        given_up = message.attempts >= MAX_ATTEMPTS
        OutboxMessage.objects.filter(pk=message.pk, state=OutboxState.SENDING).update(
            state=OutboxState.FAILED if given_up else OutboxState.PENDING,
            next_attempt_at=now + backoff(message.attempts),
            last_error=error[:300],
            claim_token="",
        )
        record(
            by=by,
            action="exchange.message_failed" if given_up else "exchange.message_retry",
            obj=message,
            after={"attempts": message.attempts, "error": error[:300]},
        )
        if given_up:
            result.failed += 1
        else:
            result.retry += 1
    return result


def _record_answer(
    peer: Peer, batch: list[OutboxMessage], answer: transport.Answer, *, by: Actor
) -> SendResult:
    result = SendResult()
    by_id = {str(message.message_id): message for message in batch}
    done: set[str] = set()
    with transaction.atomic():
        for receipt in answer.receipts:
            message_id = str(receipt.get("receipt_for", "")) if isinstance(receipt, dict) else ""
            message = by_id.get(message_id)
            if message is None or message_id in done:
                continue
            if not _receipt_valid(peer, message, receipt):
                continue  # treated below as not answered
            done.add(message_id)
            if _apply_receipt(message, receipt, by=by):
                result.acknowledged += 1
            else:
                result.refused += 1
    rest = [message for message in batch if str(message.message_id) not in done]
    if not rest:
        return result
    if answer.refusal is not None:
        refused_id = str(answer.refusal.get("message_id", ""))
        first = [message for message in rest if str(message.message_id) == refused_id] or rest[:1]
        error = _("Refused by the peer: %(reason)s") % {"reason": answer.refusal.get("detail", "")}
        result.add(_record_failures(first, error, by=by))
        _release([message for message in rest if message not in first])
    else:
        result.add(_record_failures(rest, _("The peer did not answer for this message."), by=by))
    return result


def _receipt_valid(peer: Peer, message: OutboxMessage, receipt: dict[str, Any]) -> bool:
    return (
        not envelopes.shape_problem(receipt, envelopes.RECEIPT_FIELDS)
        and receipt["from"] == peer.code
        and receipt["to"] == identity.self_code()
        and receipt["status"] in {"applied", "refused"}
        and signing.verify(receipt, peer.public_key)
    )


def _apply_receipt(message: OutboxMessage, receipt: dict[str, Any], *, by: Actor) -> bool:
    """Mark ``message`` done by its peer's (already verified) receipt; True when applied, False when the
    peer's handler refused it. Inside the caller's transaction."""
    applied = receipt["status"] == "applied"
    now = timezone.now()
    changed = (
        OutboxMessage.objects.filter(pk=message.pk)
        .exclude(state__in=[OutboxState.ACKNOWLEDGED, OutboxState.REFUSED])
        .update(
            state=OutboxState.ACKNOWLEDGED if applied else OutboxState.REFUSED,
            sent_at=F("sent_at") if message.sent_at else now,
            acknowledged_at=now,
            receipt=receipt,
            last_error="" if applied else str(receipt.get("reason", ""))[:300],
            claim_token="",
        )
    )
    if changed:
        record(
            by=by,
            action="exchange.message_acknowledged" if applied else "exchange.message_refused",
            obj=message,
            after={"attempts": message.attempts, "reason": receipt.get("reason", "")},
        )
    return applied


def outbox_retry(*, by: Actor, peer: Peer) -> int:
    """Put a peer's failed messages back in the queue, due now. Its own transaction; may be nested."""
    permissions.ensure(by, Capability.MANAGE_EXCHANGE, identity.self_area_code())
    with transaction.atomic():
        count = OutboxMessage.objects.filter(peer=peer, state=OutboxState.FAILED).update(
            state=OutboxState.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        record(by=by, action="exchange.outbox_retry", obj=peer, after={"messages": count})
    return count


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
    """Check and apply envelopes in order; stop at the first one that is refused or fails, so what a
    sender sends in order is applied in order. Each message is its own transaction (``INBOX`` acts).

    ``sender_code`` (for a file: the file's signed sender) must match every envelope's sender."""
    result = InboxResult()
    own_code = identity.self_code()
    for envelope in envelopes_in:
        try:
            peer = _check_envelope(envelope, own_code=own_code, transport_name=transport_name)
            if sender_code is not None and peer.code != sender_code:
                raise EnvelopeRefused("unknown_peer", _("The message's sender is not the file's sender."))
            receipt, outcome = _apply_envelope(peer, envelope, transport_name=transport_name, by=by)
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
    return result


def _check_envelope(envelope: Any, *, own_code: str, transport_name: str) -> Peer:
    """The peer that sent ``envelope`` when every check passes; EnvelopeRefused otherwise."""
    if not isinstance(envelope, dict):
        raise EnvelopeRefused("malformed", _("The message is not a JSON object."))
    if not envelope.get("signature"):
        raise EnvelopeRefused("unsigned", _("The message is not signed."))
    problem = envelopes.shape_problem(envelope, envelopes.ENVELOPE_FIELDS)
    if problem:
        raise EnvelopeRefused(
            "malformed", _("The message's field “%(field)s” is missing or malformed.") % {"field": problem}
        )
    peer = Peer.objects.filter(code=envelope["from"], enabled=True).first()
    if peer is None:
        raise EnvelopeRefused(
            "unknown_peer", _("The sender %(code)s is not a trusted peer.") % {"code": envelope["from"]}
        )
    if not signing.verify(envelope, peer.public_key):
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
    peer: Peer, envelope: dict[str, Any], *, transport_name: str, by: Actor
) -> tuple[dict[str, Any], str]:
    digest = envelopes.content_hash(envelope)
    existing = InboxMessage.objects.filter(message_id=envelope["id"]).first()
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
                    "from": identity.self_code(),
                    "to": peer.code,
                    "status": "refused" if reason else "applied",
                    "payload": payload,
                    "reason": message.reason,
                    "at": envelopes.timestamp(timezone.now()),
                }
            )
            message.save(update_fields=["state", "reason", "receipt"])
            record(
                by=by,
                action="exchange.message_received" if not reason else "exchange.message_refused_by_handler",
                obj=message,
                after={
                    "kind": message.kind,
                    "peer": peer.code,
                    "subject": message.subject_key,
                    "sequence": message.sequence,
                    "transport": transport_name,
                },
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
    return message.receipt, "refused" if message.state == InboxState.REFUSED else "applied"


def _run_handler(message: InboxMessage, peer: Peer, *, by: Actor) -> tuple[dict[str, Any], str]:
    """The handler's payload, or its refusal's reason; what a refusing handler wrote is rolled back."""
    if message.kind == RECEIPT_KIND:
        return _receipt_message(message, peer, by=by), ""
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


# --- signed batch files (a peer without a network link)

MAX_FILE_BYTES = 50 * 1024 * 1024


class FileRefused(Exception):  # noqa: N818 -- an answer to the person importing
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = str(reason)


def batch_export(*, by: Actor, peer: Peer, again: bool = False) -> tuple[bytes, int]:
    """Take every message waiting for ``peer`` (in subject and sequence order) into one signed file; they
    are then "sent in a file, waiting for the receipt" (receipts of messages that came in a file are done
    once exported). ``again`` also takes those already exported and still without a receipt (a file that
    was lost; the peer applies each message once whatever it receives twice). Returns the file's bytes and
    how many messages it holds. Its own transaction."""
    permissions.ensure(by, Capability.MANAGE_EXCHANGE, identity.self_area_code())
    now = timezone.now()
    with transaction.atomic():
        Peer.objects.filter(pk=peer.pk).update(enabled=F("enabled"))  # one export at a time per peer
        messages = list(
            OutboxMessage.objects.filter(peer=peer)
            .filter(
                Q(
                    state__in=[
                        OutboxState.PENDING,
                        OutboxState.FAILED,
                        *([OutboxState.EXPORTED] if again else []),
                    ]
                )
                | Q(state=OutboxState.SENDING, claimed_at__lt=now - STALE_AFTER)
            )
            .select_related("peer")
            .order_by("subject_key", "sequence")
        )
        document = signing.sign(
            {
                "v": envelopes.VERSION,
                "type": envelopes.BATCH_TYPE,
                "file_id": str(uuid.uuid4()),
                "from": identity.self_code(),
                "to": peer.code,
                "exported": envelopes.timestamp(now),
                "messages": [envelope_of(message, sent=now) for message in messages],
            }
        )
        receipts = [m.pk for m in messages if m.kind == RECEIPT_KIND]
        others = [m.pk for m in messages if m.kind != RECEIPT_KIND]
        OutboxMessage.objects.filter(pk__in=others).update(
            state=OutboxState.EXPORTED, sent_at=now, attempts=F("attempts") + 1, last_error="", claim_token=""
        )
        OutboxMessage.objects.filter(pk__in=receipts).update(
            state=OutboxState.ACKNOWLEDGED,
            sent_at=now,
            attempts=F("attempts") + 1,
            last_error="",
            claim_token="",
        )
        record(
            by=by,
            action="exchange.batch_export",
            obj=peer,
            after={"file_id": document["file_id"], "messages": len(messages), "again": again},
            area_code=identity.self_area_code(),
        )
    data = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    return data, len(messages)


@dataclass
class ImportResult:
    sender: str = ""
    messages: int = 0
    applied: int = 0
    duplicates: int = 0
    refused_by_handler: int = 0
    refusal: dict[str, Any] | None = None


def batch_import(*, by: Actor, data: bytes, remote: str = "") -> ImportResult:
    """Check a signed batch file (a trusted peer's signature, addressed here, not too old) and apply its
    messages in order with the same checks as the network inbox. A refused file is recorded like a
    refused message and raises ``FileRefused`` with the reason; a refused message stops the import there
    (``result.refusal``). Each message is its own transaction."""
    permissions.ensure(by, Capability.MANAGE_EXCHANGE, identity.self_area_code())
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError):
        document = None
    try:
        messages = _check_file(document)
    except EnvelopeRefused as refusal:
        claimed = document if isinstance(document, dict) else {}
        _refusal_record(
            refusal,
            {"from": claimed.get("from", ""), "id": claimed.get("file_id", ""), "kind": "batch file"},
            transport_name="file",
            remote=remote,
            by=INBOX,
        )
        raise FileRefused(refusal.reason) from refusal
    assert isinstance(document, dict)
    received = inbox_receive(
        by=INBOX,
        envelopes_in=messages,
        transport_name="file",
        remote=remote,
        sender_code=str(document["from"]),
    )
    result = ImportResult(
        sender=str(document["from"]),
        messages=len(messages),
        applied=received.applied,
        duplicates=received.duplicates,
        refused_by_handler=received.refused_by_handler,
        refusal=received.refusal,
    )
    with transaction.atomic():
        record(
            by=by,
            action="exchange.batch_import",
            object_type="exchange.batchfile",
            object_id=str(document.get("file_id", ""))[:64],
            after={
                "sender": result.sender,
                "messages": result.messages,
                "applied": result.applied,
                "duplicates": result.duplicates,
                "refused_by_handler": result.refused_by_handler,
                "refusal": result.refusal,
            },
            area_code=identity.self_area_code(),
        )
    return result


def _check_file(document: Any) -> list[Any]:
    if not isinstance(document, dict) or document.get("type") != envelopes.BATCH_TYPE:
        raise EnvelopeRefused("malformed", _("The file is not a batch of exchange messages."))
    if not document.get("signature"):
        raise EnvelopeRefused("unsigned", _("The file is not signed."))
    sender = document.get("from")
    peer = Peer.objects.filter(code=str(sender), enabled=True).first()
    if peer is None:
        raise EnvelopeRefused(
            "unknown_peer", _("The sender %(code)s is not a trusted peer.") % {"code": sender}
        )
    if not signing.verify(document, peer.public_key):
        raise EnvelopeRefused(
            "bad_signature",
            _(
                "The file's signature does not match the sender's key: it was altered or signed by someone else."
            ),
        )
    if document.get("to") != identity.self_code():
        raise EnvelopeRefused(
            "wrong_recipient",
            _("The file is addressed to %(code)s, not to this deployment.") % {"code": document.get("to")},
        )
    try:
        exported = envelopes.parse_timestamp(str(document.get("exported", "")))
    except ValueError as exc:
        raise EnvelopeRefused("malformed", _("The file's time is malformed.")) from exc
    now = timezone.now()
    if exported > now + datetime.timedelta(
        seconds=conf.max_skew_seconds()
    ) or exported < now - datetime.timedelta(days=conf.file_max_age_days()):
        raise EnvelopeRefused(
            "stale",
            _("The file was made on %(time)s, too long ago (or in the future) to be accepted.")
            % {"time": document.get("exported")},
        )
    messages = document.get("messages")
    if not isinstance(messages, list):
        raise EnvelopeRefused(
            "malformed", _("The file's field “%(field)s” is missing or malformed.") % {"field": "messages"}
        )
    return messages
