"""Posting a batch of envelopes to a peer's inbox over HTTP (the standard library's client)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

INBOX_PATH = "/api/v1/exchange/inbox"
TIMEOUT_SECONDS = 60


class TransportError(Exception):
    """The peer could not be reached or answered something that is not an answer."""


@dataclass
class Answer:
    receipts: list[dict[str, Any]]
    refusal: dict[str, Any] | None


def post(base_url: str, envelopes: list[dict[str, Any]]) -> Answer:
    data = json.dumps({"messages": envelopes}, ensure_ascii=False, separators=(",", ":")).encode()
    request = urllib.request.Request(  # noqa: S310 -- the peer's configured http(s) address
        base_url.rstrip("/") + INBOX_PATH,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return _answer(response.read())
    except urllib.error.HTTPError as error:
        body = error.read()
        if error.code in (400, 403):
            try:
                detail = json.loads(body)
            except ValueError:
                detail = None
            if isinstance(detail, dict) and "detail" in detail:
                if isinstance(detail.get("receipts"), list):
                    return Answer(detail["receipts"], detail)
                return Answer([], detail)
        raise TransportError(f"HTTP {error.code}: {body[:200].decode(errors='replace')}") from error
    except (urllib.error.URLError, OSError, TimeoutError) as error:
        raise TransportError(str(getattr(error, "reason", error))[:200]) from error


def _answer(raw: bytes) -> Answer:
    try:
        document = json.loads(raw)
    except ValueError as exc:
        raise TransportError("the peer's answer is not JSON") from exc
    if not isinstance(document, dict) or not isinstance(document.get("receipts"), list):
        raise TransportError("the peer's answer has no receipts")
    refusal = document.get("refusal")
    return Answer(document["receipts"], refusal if isinstance(refusal, dict) else None)
