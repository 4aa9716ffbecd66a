"""Sending: the durable outbox, batches over HTTP, receipts."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability
from jisheng.areas.codes import normalize_code
from jisheng.areas.scoping import can_see_area
from jisheng.audit.services import record
from jisheng.core.actor import Actor, is_staff

from .. import conf, envelopes, identity, signing, transport
from ..models import OutboxMessage, OutboxState, Peer
from .common import (
    BATCH_SIZE,
    MAX_ATTEMPTS,
    SENDER,
    STALE_AFTER,
    UNFINISHED,
    _release_abandoned_claims,
    backoff,
    claim_token,
    logger,
)
from .keys import signature_of, signing_key_for
from .peers import peer_for_area

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


def envelope_of(
    message: OutboxMessage,
    *,
    sent: datetime.datetime,
    own_code: str | None = None,
    key: signing.PrivateKey | None = None,
) -> dict[str, Any]:
    """The signed envelope of an outbox message, as sent at ``sent`` (``own_code``: this deployment's
    code, when the caller has it already for a whole batch; ``key``: the previous key while the peer
    has not yet acknowledged our key rotation, see ``keys.signing_key_for``)."""
    return signing.sign(
        {
            "v": envelopes.VERSION,
            "id": str(message.message_id),
            "from": own_code or identity.self_code(),
            "to": message.peer.code,
            "kind": message.kind,
            "subject": message.subject_key,
            "seq": message.sequence,
            "from_area": message.from_area_code,
            "to_area": message.to_area_code,
            "created": envelopes.timestamp(message.created_at),
            "sent": envelopes.timestamp(sent),
            "body": message.body,
        },
        key,
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
    token = claim_token()
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
    *,
    by: Actor,
    peer_code: str | None = None,
    ignore_backoff: bool = False,
    limit: int = 10_000,
    progress: Callable[[str], None] | None = None,
) -> SendResult:
    """Send what is due to every enabled peer with an address (or one peer). Each batch: claim (its own
    short statement), post outside any transaction, then record the outcomes in one transaction.
    ``ignore_backoff`` sends waiting messages now (an operator who knows the peer is back). ``progress``
    (a job's checkpoint) is told ``outbox_send:batch_answered`` when a batch's answer is in and its
    receipts are not yet recorded. Not in a transaction of the caller's (it posts between its own)."""
    result = SendResult()
    peers = Peer.objects.filter(enabled=True).exclude(base_url="")
    if peer_code is not None:
        peers = peers.filter(code=peer_code)
    for peer in peers:
        result.add(_send_to_peer(peer, by=by, ignore_backoff=ignore_backoff, limit=limit, progress=progress))
    return result


def _send_to_peer(
    peer: Peer,
    *,
    by: Actor,
    ignore_backoff: bool,
    limit: int,
    progress: Callable[[str], None] | None = None,
) -> SendResult:
    """Send the peer's due messages batch after batch, with one post in flight while this thread signs
    the next batch and records the last one's receipts. A batch is posted only once the peer has
    answered for the one before it with a receipt for every message (it applied them in its own
    transaction), so the peer still receives each subject's messages in order; when an answer is not
    clean (the peer down, a refusal, receipts missing) nothing more is posted and the next batch's claim
    is released."""
    result = SendResult()
    sent = 0
    own_code = identity.self_code()
    _release_abandoned_claims(peer)  # a sender killed mid-batch: its claims need not wait to be stale
    in_flight: tuple[list[OutboxMessage], _Posting] | None = None

    def settle(batch: list[OutboxMessage], answered: _Posting) -> bool:
        """Record a posted batch's outcome; False when the peer is down or refusing (stop sending)."""
        answer, error = _outcome(answered)
        if progress is not None:
            progress("outbox_send:batch_answered")
        done = _record_outcome(peer, batch, answer, error, by=by, own_code=own_code)
        result.add(done)
        if done.retry or done.failed:
            if not (done.acknowledged or done.refused) and peer.code not in result.peers_down:
                result.peers_down.append(peer.code)
            return False
        return True

    try:
        going = True
        while going and sent < limit:
            now = timezone.now()
            # One scan finds many batches' worth; sent in id order, which is each subject's order.
            ids = _sendable(peer, now, ignore_backoff=ignore_backoff, limit=BATCH_SIZE * 20)
            claimed_any = False
            for start in range(0, len(ids), BATCH_SIZE):
                _token, claimed = _claim(ids[start : start + BATCH_SIZE], now, ignore_backoff=ignore_backoff)
                if not claimed:
                    continue  # another worker took these
                claimed_any = True
                sent += len(claimed)
                batch, envelopes_out = _prepare_batch(peer, claimed, own_code=own_code)
                if in_flight is not None:
                    previous, answered = in_flight
                    in_flight = None
                    answer = _clean_answer(answered, len(previous))
                    if answer is None:
                        _release(batch)  # not posted: the peer is down or refusing
                        settle(previous, answered)
                        going = False
                        break
                    in_flight = (batch, _Posting(peer.base_url, envelopes_out))
                    if not settle(previous, answered):
                        going = False
                        break
                else:
                    in_flight = (batch, _Posting(peer.base_url, envelopes_out))
            if not claimed_any:
                if in_flight is None:
                    break
                # The batch in flight holds back its subjects' later messages: settle it, look again.
                going = settle(*in_flight)
                in_flight = None
    finally:
        if in_flight is not None:
            settle(*in_flight)
    return result


class _Posting:
    """One batch posted in a thread of its own while the caller goes on (signing the next batch,
    recording the last); ``result()`` waits for the answer. Where no thread can be started (the
    interpreter is shutting down), the post is made at once."""

    def __init__(self, base_url: str, envelopes_out: list[dict[str, Any]]) -> None:
        self._answer: transport.Answer | None = None
        self._error: transport.TransportError | None = None
        self._thread: threading.Thread | None = threading.Thread(
            target=self._post, args=(base_url, envelopes_out), name="exchange-post"
        )
        try:
            self._thread.start()
        except RuntimeError:
            self._thread = None
            self._post(base_url, envelopes_out)

    def _post(self, base_url: str, envelopes_out: list[dict[str, Any]]) -> None:
        try:
            self._answer = transport.post(base_url, envelopes_out)
        except transport.TransportError as exc:
            self._error = exc
        except Exception as exc:  # anything else: the batch is retried like an unreachable peer
            self._error = transport.TransportError(str(exc)[:200])

    def result(self) -> transport.Answer:
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._answer is not None
        return self._answer


def _clean_answer(answered: _Posting, expected: int) -> transport.Answer | None:
    """The answer when the peer applied the whole batch (a receipt for each, no refusal), else None."""
    answer, _error = _outcome(answered)
    if answer is None or answer.refusal is not None or len(answer.receipts) < expected:
        return None
    return answer


def _outcome(answered: Any) -> tuple[transport.Answer | None, str]:
    try:
        return answered.result(), ""
    except transport.TransportError as exc:
        return None, str(exc)


def _record_outcome(
    peer: Peer,
    batch: list[OutboxMessage],
    answer: transport.Answer | None,
    error: str,
    *,
    by: Actor,
    own_code: str,
) -> SendResult:
    if answer is None:
        return _record_failures(batch, error, by=by)
    return _record_answer(peer, batch, answer, by=by, own_code=own_code)


def _prepare_batch(
    peer: Peer, claimed: list[OutboxMessage], *, own_code: str
) -> tuple[list[OutboxMessage], list[dict[str, Any]]]:
    """The claimed messages that may go in this batch (per subject, only the consecutive run from its
    first claimed message: a message another worker holds leaves a gap and what follows it waits; the
    rest is released) and their signed envelopes."""
    sent_at = timezone.now()
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
    key = signing_key_for(peer)
    return batch, [envelope_of(message, sent=sent_at, own_code=own_code, key=key) for message in batch]


def _send_batch(peer: Peer, claimed: list[OutboxMessage], *, by: Actor) -> SendResult:
    """One batch, posted and recorded (without overlap)."""
    own_code = identity.self_code()
    batch, envelopes_out = _prepare_batch(peer, claimed, own_code=own_code)
    try:
        answer = transport.post(peer.base_url, envelopes_out)
    except transport.TransportError as exc:
        return _record_failures(batch, str(exc), by=by)
    return _record_answer(peer, batch, answer, by=by, own_code=own_code)


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
    peer: Peer, batch: list[OutboxMessage], answer: transport.Answer, *, by: Actor, own_code: str
) -> SendResult:
    """Mark the batch's messages done by their verified receipts, in one transaction: the applied ones in
    one statement and one audit event for the batch (each refused one has its own event)."""
    result = SendResult()
    by_id = {str(message.message_id): message for message in batch}
    answered: dict[str, tuple[OutboxMessage, dict[str, Any]]] = {}
    for receipt in answer.receipts:
        message_id = str(receipt.get("receipt_for", "")) if isinstance(receipt, dict) else ""
        message = by_id.get(message_id)
        if message is None or message_id in answered:
            continue
        if not _receipt_valid(peer, message, receipt, own_code=own_code):
            continue  # treated below as not answered
        answered[message_id] = (message, receipt)
    with transaction.atomic():
        _apply_receipts(peer, list(answered.values()), by=by)
    statuses = [receipt["status"] for _message, receipt in answered.values()]
    result.acknowledged, result.refused = statuses.count("applied"), statuses.count("refused")
    done = set(answered)
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


def _receipt_valid(
    peer: Peer, message: OutboxMessage, receipt: dict[str, Any], *, own_code: str | None = None
) -> bool:
    return (
        not envelopes.shape_problem(receipt, envelopes.RECEIPT_FIELDS)
        and receipt["from"] == peer.code
        and receipt["to"] == (own_code or identity.self_code())
        and receipt["status"] in {"applied", "refused"}
        and signature_of(peer, receipt) in ("current", "previous")
    )


RECEIPT_FIELDS_SAVED = ["state", "sent_at", "acknowledged_at", "receipt", "last_error", "claim_token"]


def _apply_receipts(
    peer: Peer, answered: list[tuple[OutboxMessage, dict[str, Any]]], *, by: Actor
) -> tuple[list[OutboxMessage], list[OutboxMessage]]:
    """Mark messages done by their peer's (already verified) receipts, inside the caller's transaction;
    a message already done is left as it is. The applied and the refused messages changed."""
    if not answered:
        return [], []
    now = timezone.now()
    open_ids = set(
        OutboxMessage.objects.filter(pk__in=[message.pk for message, _receipt in answered])
        .exclude(state__in=[OutboxState.ACKNOWLEDGED, OutboxState.REFUSED])
        .values_list("pk", flat=True)
    )
    applied: list[OutboxMessage] = []
    refused: list[OutboxMessage] = []
    for message, receipt in answered:
        if message.pk not in open_ids:
            continue
        ok = receipt["status"] == "applied"
        message.state = OutboxState.ACKNOWLEDGED if ok else OutboxState.REFUSED
        message.sent_at = message.sent_at or now
        message.acknowledged_at = now
        message.receipt = receipt
        message.last_error = "" if ok else str(receipt.get("reason", ""))[:300]
        message.claim_token = ""
        (applied if ok else refused).append(message)
    OutboxMessage.objects.bulk_update(applied + refused, RECEIPT_FIELDS_SAVED, batch_size=250)
    for message in refused:
        record(
            by=by,
            action="exchange.message_refused",
            obj=message,
            after={"attempts": message.attempts, "reason": message.last_error},
        )
    if applied:
        record(
            by=by,
            action="exchange.messages_acknowledged",
            obj=peer,
            after={
                "messages": [
                    {"id": str(m.message_id), "kind": m.kind, "subject": m.subject_key, "seq": m.sequence}
                    for m in applied
                ],
            },
            area_code=identity.self_area_code(),
        )
    return applied, refused


def _apply_receipt(message: OutboxMessage, receipt: dict[str, Any], *, by: Actor) -> bool:
    """Mark ``message`` done by its peer's (already verified) receipt; True when applied, False when the
    peer's handler refused it. Inside the caller's transaction."""
    _apply_receipts(message.peer, [(message, receipt)], by=by)
    return bool(receipt["status"] == "applied")


def outbox_retry(*, by: Actor, peer: Peer) -> int:
    """Put a peer's failed messages back in the queue, due now. Its own transaction; may be nested."""
    permissions.ensure(by, Capability.MANAGE_EXCHANGE, identity.self_area_code())
    with transaction.atomic():
        count = OutboxMessage.objects.filter(peer=peer, state=OutboxState.FAILED).update(
            state=OutboxState.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        record(by=by, action="exchange.outbox_retry", obj=peer, after={"messages": count})
    return count
