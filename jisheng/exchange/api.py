"""The inbox other deployments post to: authenticated by each message's Ed25519 signature, not by a staff
session or token (so no CSRF either); answered with a signed receipt per message."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from jisheng.core.clientaddress import client_address

from . import services

router = Router(tags=["exchange"])

MAX_MESSAGES = 500


class InboxIn(Schema):
    messages: list[dict[str, Any]] = Field(
        ..., description="Signed envelopes, in the order they are to be applied (at most 500)."
    )


class RefusalOut(Schema):
    message_id: str
    code: str = Field(
        ...,
        description="unsigned, malformed, unknown_peer, bad_signature, old_key (the peer's replaced key after its grace period), wrong_recipient, stale, area or replayed",
    )
    detail: str


class InboxOut(Schema):
    receipts: list[dict[str, Any]] = Field(
        ..., description="A signed receipt for each message applied (or refused by its handler), in order."
    )
    refusal: RefusalOut | None = Field(
        None,
        description="The first message refused by the checks; it and the messages after it were not applied.",
    )


class InboxRefusedOut(Schema):
    detail: str
    code: str
    message_id: str
    receipts: list[dict[str, Any]] = []


@router.post(
    "/inbox",
    auth=None,
    response={200: InboxOut, 403: InboxRefusedOut},
    summary="Receive signed messages from a peer deployment",
    description=(
        "Each envelope is checked (signature by a trusted peer, addressed here, time, the sender's areas, "
        "replay) and applied exactly once; a message already applied is answered with the same receipt. "
        "When the first message is refused the answer is 403 with the reason; when a later one is, the "
        "receipts of those before it and the refusal are answered with 200."
    ),
)
def inbox(request: HttpRequest, data: InboxIn) -> Any:
    if not data.messages:
        raise HttpError(400, "没有消息")
    if len(data.messages) > MAX_MESSAGES:
        raise HttpError(413, f"一次最多 {MAX_MESSAGES} 条消息")
    result = services.inbox_receive(
        by=services.INBOX, envelopes_in=data.messages, transport_name="http", remote=client_address(request)
    )
    if result.refusal is not None and not result.receipts:
        return Status(403, {**result.refusal, "receipts": []})
    return Status(200, {"receipts": result.receipts, "refusal": result.refusal})
