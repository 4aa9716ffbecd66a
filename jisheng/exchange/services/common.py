"""What the exchange's services share: the system actors, the limits and the back-off."""

from __future__ import annotations

import datetime
import hashlib
import logging
import os
import socket
import uuid
from typing import Any

from django.utils import timezone

from jisheng.core.actor import System

from ..models import OutboxMessage, OutboxState

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


def _host_mark() -> str:
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def claim_token() -> str:
    """A new claim's token (32 characters): this host's mark and this process's number, then random. A
    sender that finds a claim of a process of its own host that is gone (killed with -9 mid-batch) knows
    at once that the claim is abandoned, instead of waiting STALE_AFTER for it."""
    return f"{_host_mark()}{os.getpid():x}-{uuid.uuid4().hex}"[:32]


def claimer_gone(token: str) -> bool:
    """Whether the claim ``token`` was made by a process of this host that no longer runs. False when it
    cannot tell (another host, an older token, a number now used by another process): that claim waits
    until it is stale."""
    pid_text, dash, _random = token[8:].partition("-")
    if not dash or token[:8] != _host_mark():
        return False
    try:
        pid = int(pid_text, 16)
    except ValueError:
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # e.g. no permission to signal it: it exists
        return False
    return False


def _release_abandoned_claims(peer: Any) -> int:
    """Put the peer's messages claimed by a process of this host that is gone back in the queue, due now
    (their attempt stays counted): the peer answers those it already applied with their receipts. One
    statement per abandoned claim, each its own transaction; may be nested. The number released."""
    tokens = set(
        OutboxMessage.objects.filter(peer=peer, state=OutboxState.SENDING)
        .exclude(claim_token="")
        .values_list("claim_token", flat=True)
    )
    released = 0
    for token in sorted(tokens):
        if claimer_gone(token):
            released += OutboxMessage.objects.filter(
                peer=peer, state=OutboxState.SENDING, claim_token=token
            ).update(state=OutboxState.PENDING, claim_token="", next_attempt_at=timezone.now())
    if released:
        logger.warning(
            "%s messages to peer %s were claimed by a sender that died; queued again", released, peer
        )
    return released
