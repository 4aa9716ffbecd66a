"""The signed batch file for a peer without a network link."""

from __future__ import annotations

import datetime
import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability
from jisheng.audit.services import record
from jisheng.core.actor import Actor

from .. import conf, envelopes, identity, signing
from ..models import InboxMessage, OutboxMessage, OutboxState, Peer
from .common import (
    INBOX,
    RECEIPT_KIND,
    STALE_AFTER,
)
from .keys import signature_of
from .receiving import EnvelopeRefused, _refusal_record, inbox_receive
from .sending import envelope_of

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
    if signature_of(peer, document) not in ("current", "previous"):
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
    _check_sequences(peer, messages)
    return messages


def _check_sequences(peer: Peer, messages: list[Any]) -> None:
    """A file carries each subject's messages in sequence without a hole, continuing from what was
    received from the peer before: a file that skips a number is refused, naming the gap (a message
    lost between two files would otherwise hold every later one of its subject)."""
    runs: dict[str, list[int]] = {}
    for envelope in messages:
        if isinstance(envelope, dict) and isinstance(envelope.get("subject"), str):
            seq = envelope.get("seq")
            if isinstance(seq, int) and not isinstance(seq, bool):
                runs.setdefault(envelope["subject"], []).append(seq)
    if not runs:
        return
    received = dict(
        InboxMessage.objects.filter(peer=peer, subject_key__in=[subject[:64] for subject in runs])
        .values("subject_key")
        .annotate(last=Max("sequence"))
        .values_list("subject_key", "last")
    )
    for subject, sequences in runs.items():
        last = received.get(subject[:64])
        expected = sequences[0] if last is None or sequences[0] <= last else last + 1
        for seq in sequences:
            if seq > expected:
                raise EnvelopeRefused(
                    "gap",
                    _(
                        "The file skips message numbers: for subject %(subject)s it goes from %(before)s to "
                        "%(after)s, so number(s) %(missing)s are missing. Ask the sender for the messages "
                        "in between (export again)."
                    )
                    % {
                        "subject": subject,
                        "before": expected - 1,
                        "after": seq,
                        "missing": f"{expected}–{seq - 1}" if seq - 1 > expected else str(expected),
                    },
                )
            expected = max(expected, seq + 1)
