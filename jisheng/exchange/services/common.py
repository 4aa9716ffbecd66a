"""What the exchange's services share: the system actors, the limits and the back-off."""

from __future__ import annotations

import datetime
import logging

from jisheng.core.actor import System

from ..models import OutboxState

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
