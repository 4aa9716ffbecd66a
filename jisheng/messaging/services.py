"""Queueing messages in the event's own transaction, and sending them with retries and backoff.

Sending claims each message with a conditional UPDATE (pending → sending, only if still pending and
due), so two schedulers, or two hosts, never send the same message: the one whose UPDATE changed the
row sends it, the other skips it. A send that raises goes back to pending with a growing pause; after
MAX_ATTEMPTS it is marked failed (kept, shown, never dropped). A row left in ``sending`` by a process
that died mid-send is taken again after STALE_AFTER, with the same reference for the gateway.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from jisheng.audit.services import record
from jisheng.core.actor import Actor, System

from .models import Message, MessageKind, MessageState
from .senders import SendError, get_sender

# Who records a message sent or failed: the outbox worker.
SENDER = System(job="message sender")

MAX_ATTEMPTS = 8
STALE_AFTER = datetime.timedelta(minutes=15)


def backoff(attempts: int) -> datetime.timedelta:
    """1, 2, 4 … minutes after the first, second, third failure, at most six hours."""
    return datetime.timedelta(minutes=min(2 ** (attempts - 1), 360))


def message_enqueue(
    *,
    subject_type: str,
    subject_id: str,
    area: Any,
    text: str,
    by: Actor,
    phone: str = "",
    recipient: Any = None,
    link: str = "",
) -> Message:
    """Queue a message; call it inside the service's transaction, so it exists exactly when the event does.

    With ``recipient`` it is a notice to that staff member (shown in the application, nothing to send);
    otherwise an SMS to ``phone``. May be nested, and must be: outside a transaction it refuses.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("message_enqueue must be called inside the event's transaction")
    now = timezone.now()
    staff = recipient is not None
    message = Message.objects.create(
        kind=MessageKind.STAFF if staff else MessageKind.SMS,
        subject_type=subject_type,
        subject_id=subject_id,
        area=area,
        phone="" if staff else phone,
        recipient=recipient,
        text=text[:300],
        link=link[:200],
        created_at=now,
        state=MessageState.SENT if staff else MessageState.PENDING,
        sent_at=now if staff else None,
        next_attempt_at=None if staff else now,
    )
    record(
        by=by,
        action="messaging.queue",
        obj=message,
        after={"kind": message.kind, "subject": subject_id, "text": message.text},
    )
    return message


def _claim(message_id: int, now: datetime.datetime) -> bool:
    due = Q(state=MessageState.PENDING, next_attempt_at__lte=now) | Q(
        state=MessageState.SENDING, claimed_at__lt=now - STALE_AFTER
    )
    return (
        Message.objects.filter(due, pk=message_id).update(
            state=MessageState.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
        == 1
    )


def messages_send(*, limit: int = 200) -> dict[str, int]:
    """Send what is due. Each message: claim (its own short transaction), send outside any transaction,
    then record the outcome with its audit event. Outermost: a job, each outcome its own durable
    transaction."""
    now = timezone.now()
    candidates = list(
        Message.objects.filter(
            Q(state=MessageState.PENDING, next_attempt_at__lte=now)
            | Q(state=MessageState.SENDING, claimed_at__lt=now - STALE_AFTER),
            kind=MessageKind.SMS,
        )
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    sender = get_sender()
    result = {"sent": 0, "retry": 0, "failed": 0}
    for message_id in candidates:
        if not _claim(message_id, now):
            continue  # another sender took it
        message = Message.objects.get(pk=message_id)
        try:
            sender.send(phone=message.phone, text=message.text, reference=f"jisheng-{message.pk}")
        except (SendError, OSError) as exc:
            outcome = _failed(message, str(exc))
        else:
            outcome = _sent(message)
        result[outcome] += 1
    return result


@transaction.atomic(durable=True)
def _sent(message: Message) -> str:
    """The outcome of one sending, committed by itself (outermost: the sending loop holds no
    transaction, so a crash after it never resends what was sent)."""
    now = timezone.now()
    Message.objects.filter(pk=message.pk, state=MessageState.SENDING).update(
        state=MessageState.SENT, sent_at=now, last_error=""
    )
    record(by=SENDER, action="messaging.sent", obj=message, after={"attempts": message.attempts})
    return "sent"


@transaction.atomic(durable=True)
def _failed(message: Message, error: str) -> str:
    """A failed sending recorded by itself, to be retried later or given up. Outermost."""
    given_up = message.attempts >= MAX_ATTEMPTS
    Message.objects.filter(pk=message.pk, state=MessageState.SENDING).update(
        state=MessageState.FAILED if given_up else MessageState.PENDING,
        next_attempt_at=timezone.now() + backoff(message.attempts),
        last_error=error[:300],
    )
    record(
        by=SENDER,
        action="messaging.failed" if given_up else "messaging.retry",
        obj=message,
        after={"attempts": message.attempts, "error": error[:300]},
    )
    return "failed" if given_up else "retry"
