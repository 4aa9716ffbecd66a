"""The envelope of a message and the receipt that answers it, as JSON objects.

Envelope (every member signed, see ``signing.canonical``)::

    {"v": 1, "id": "<uuid>", "from": "411723", "to": "4419", "kind": "migrants.arrival",
     "subject": "<subject key>", "seq": 3, "from_area": "411723101201", "to_area": "441900000000",
     "created": "2026-12-02T01:02:03.123456Z", "sent": "…", "body": {…}, "signature": "<base64>"}

``sent`` is set at each transmission (a message queued while the peer was down keeps its ``created``),
and is what the receiver holds against its clock; it is not part of the content that identifies a
message (``content_hash``), so a re-delivery is recognised as the same message.

Receipt (signed by the receiver)::

    {"v": 1, "receipt_for": "<uuid>", "from": "4419", "to": "411723", "status": "applied" | "refused",
     "payload": {…}, "reason": "", "at": "…", "signature": "<base64>"}

Signed batch file: ``{"v": 1, "type": "jisheng-exchange-batch", "file_id", "from", "to", "exported",
"messages": [envelopes], "signature"}``.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any

VERSION = 1
BATCH_TYPE = "jisheng-exchange-batch"
ENVELOPE_FIELDS: dict[str, type] = {
    "v": int,
    "id": str,
    "from": str,
    "to": str,
    "kind": str,
    "subject": str,
    "seq": int,
    "from_area": str,
    "to_area": str,
    "created": str,
    "sent": str,
    "body": dict,
}
RECEIPT_FIELDS: dict[str, type] = {
    "v": int,
    "receipt_for": str,
    "from": str,
    "to": str,
    "status": str,
    "payload": dict,
    "reason": str,
    "at": str,
}


def timestamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(text: str) -> datetime.datetime:
    """ValueError unless ``text`` is an ISO timestamp with a zone."""
    moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("timestamp without a zone")
    return moment


def shape_problem(document: Any, fields: dict[str, type]) -> str:
    """The first member missing or of the wrong type ("" when the shape is right)."""
    if not isinstance(document, dict):
        return "not an object"
    for name, expected in fields.items():
        value = document.get(name)
        if expected is int and (isinstance(value, bool) or not isinstance(value, int)):
            return name
        if not isinstance(value, expected):
            return name
    return ""


def content_hash(envelope: dict[str, Any]) -> str:
    """What identifies a message's content: every member but the transmission time and the signature."""
    content = {key: value for key, value in envelope.items() if key not in {"sent", "signature"}}
    return hashlib.sha256(
        json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()
