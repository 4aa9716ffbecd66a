"""The exchange's services: peers, sending through the durable outbox, receiving into the inbox, and
the signed batch file for a peer without a network link.

For other apps (transport only, the meaning belongs to the app that registers a kind):

* ``message_send(by=, kind=, to_area_code=, subject_key=, body=)`` queues a message in the caller's
  transaction, routed to the enabled peer whose area prefixes cover ``to_area_code``;
* ``jisheng.exchange.handlers.register(kind, handler)`` gives a kind its meaning on the receiving side.

Sending (``outbox_send``, run by ``jisheng exchange-send`` every minute and tried right after a commit)
claims due messages with a conditional UPDATE that stamps them with a claim token, so two workers never
send one message twice; it sends them in batches over HTTP (``transport.post``), verifies each signed
receipt, and marks the batch's messages acknowledged or refused by their receipts in one transaction. A
failure puts the message back with a growing pause (``backoff``); after MAX_ATTEMPTS it is marked failed,
kept and shown. Messages about one subject to one peer go in sequence order: a message is only sent once
every earlier one of its subject is done (acknowledged or refused).

Receiving (``inbox_receive``) checks each envelope (shape, sender, signature, time, areas, replay), then
applies the batch in one transaction, each message in its own savepoint with its handler, exactly once per
message id; a re-delivery gets the stored receipt again. A refused envelope is written to ``InboxRefusal``
with an audit event.

Modules: ``common`` (actors, limits), ``peers``, ``sending``, ``receiving``, ``files``; every name is
re-exported here.
"""

from __future__ import annotations

from .. import conf, envelopes, handlers, identity, signing, transport
from .common import (
    BATCH_SIZE,
    INBOX,
    MAX_ATTEMPTS,
    RECEIPT_KIND,
    SENDER,
    STALE_AFTER,
    UNFINISHED,
    backoff,
    logger,
)
from .files import MAX_FILE_BYTES, FileRefused, ImportResult, _check_file, batch_export, batch_import
from .keys import KEY_ROTATION, Rotation, key_rotate, rotation_pending, signature_of, signing_key_for
from .peers import _clean_prefixes, _peer_snapshot, peer_add, peer_disable, peer_for_area
from .receiving import (
    EnvelopeRefused,
    InboxResult,
    _apply_envelope,
    _check_envelope,
    _queue_receipt,
    _redelivery,
    _refusal_record,
    _run_handler,
    _text,
    inbox_receive,
)
from .sending import (
    SendResult,
    _apply_receipt,
    _claim,
    _due,
    _receipt_valid,
    _record_answer,
    _record_failures,
    _release,
    _send_batch,
    _send_to_peer,
    _sendable,
    envelope_of,
    message_send,
    outbox_retry,
    outbox_send,
    send_soon,
)

__all__ = [
    "KEY_ROTATION",
    "Rotation",
    "key_rotate",
    "rotation_pending",
    "signature_of",
    "signing_key_for",
    "BATCH_SIZE",
    "INBOX",
    "MAX_ATTEMPTS",
    "MAX_FILE_BYTES",
    "RECEIPT_KIND",
    "SENDER",
    "STALE_AFTER",
    "UNFINISHED",
    "EnvelopeRefused",
    "FileRefused",
    "ImportResult",
    "InboxResult",
    "SendResult",
    "_apply_envelope",
    "_apply_receipt",
    "_check_envelope",
    "_check_file",
    "_claim",
    "_clean_prefixes",
    "_due",
    "_peer_snapshot",
    "_queue_receipt",
    "_receipt_valid",
    "_record_answer",
    "_record_failures",
    "_redelivery",
    "_refusal_record",
    "_release",
    "_run_handler",
    "_send_batch",
    "_send_to_peer",
    "_sendable",
    "_text",
    "backoff",
    "batch_export",
    "batch_import",
    "conf",
    "envelope_of",
    "handlers",
    "identity",
    "inbox_receive",
    "logger",
    "message_send",
    "outbox_retry",
    "outbox_send",
    "peer_add",
    "peer_disable",
    "peer_for_area",
    "send_soon",
    "signing",
    "transport",
    "envelopes",
]
