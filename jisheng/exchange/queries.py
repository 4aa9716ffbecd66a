"""The reconciliation: per peer, what was sent, received, acknowledged, refused, waiting, overdue and
failed, counted within the reader's area (a county's staff count their county's messages), each with a
fixed number of grouped queries whatever the number of messages."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count
from django.utils import timezone

from .models import InboxMessage, InboxRefusal, InboxState, OutboxMessage, OutboxState, Peer

# A message not acknowledged a day after it was queued is overdue: the page shows it in red.
OVERDUE_AFTER = datetime.timedelta(days=1)
WAITING = (OutboxState.PENDING, OutboxState.SENDING, OutboxState.EXPORTED)


@dataclass
class PeerFigures:
    peer: Peer
    outbox: Counter[str] = field(default_factory=Counter)
    inbox: Counter[str] = field(default_factory=Counter)
    overdue: int = 0
    refusals: int = 0

    @property
    def sent(self) -> int:
        return self.acknowledged + self.refused + self.outbox[OutboxState.EXPORTED]

    @property
    def acknowledged(self) -> int:
        return self.outbox[OutboxState.ACKNOWLEDGED]

    @property
    def refused(self) -> int:
        return self.outbox[OutboxState.REFUSED]

    @property
    def waiting(self) -> int:
        return sum(self.outbox[state] for state in WAITING)

    @property
    def failed(self) -> int:
        return self.outbox[OutboxState.FAILED]

    @property
    def received(self) -> int:
        return sum(self.inbox.values())

    @property
    def received_refused(self) -> int:
        return self.inbox[InboxState.REFUSED]

    @property
    def attention(self) -> bool:
        return bool(self.failed or self.overdue or self.refusals)


def reconciliation(user: Any, peers: list[Peer] | None = None) -> list[PeerFigures]:
    """Figures for every peer (or the given ones), counted over the messages ``user`` may see."""
    peers = list(Peer.objects.all()) if peers is None else peers
    figures = {peer.pk: PeerFigures(peer) for peer in peers}
    outbox = OutboxMessage.objects.visible_to(user).filter(peer__in=list(figures))
    for row in outbox.values("peer_id", "state").annotate(n=Count("id")).order_by():
        figures[row["peer_id"]].outbox[row["state"]] = row["n"]
    late = outbox.filter(state__in=WAITING, created_at__lt=timezone.now() - OVERDUE_AFTER)
    for late_row in late.values("peer_id").annotate(n=Count("id")).order_by():
        figures[late_row["peer_id"]].overdue = late_row["n"]
    inbox = InboxMessage.objects.visible_to(user).filter(peer__in=list(figures))
    for in_row in inbox.values("peer_id", "state").annotate(n=Count("id")).order_by():
        figures[in_row["peer_id"]].inbox[in_row["state"]] = in_row["n"]
    by_code = {peer.code: peer.pk for peer in peers}
    refusals = InboxRefusal.objects.filter(sender_code__in=list(by_code))
    for refused_row in refusals.values("sender_code").annotate(n=Count("id")).order_by():
        figures[by_code[refused_row["sender_code"]]].refusals = refused_row["n"]
    return [figures[peer.pk] for peer in peers]


def outbox_needing_attention(user: Any, peer: Peer, *, limit: int = 100) -> dict[str, list[OutboxMessage]]:
    """The peer's failed, refused and overdue messages within the reader's area (newest first)."""
    outbox = OutboxMessage.objects.visible_to(user).filter(peer=peer).order_by("-created_at", "-id")
    return {
        "failed": list(outbox.filter(state=OutboxState.FAILED)[:limit]),
        "refused": list(outbox.filter(state=OutboxState.REFUSED)[:limit]),
        "overdue": list(
            outbox.filter(state__in=WAITING, created_at__lt=timezone.now() - OVERDUE_AFTER)[:limit]
        ),
        "waiting": list(outbox.filter(state__in=WAITING)[:limit]),
    }


def recent_refusals(peer: Peer, *, limit: int = 50) -> list[InboxRefusal]:
    return list(InboxRefusal.objects.filter(sender_code=peer.code)[:limit])


def unattributed_refusals(*, limit: int = 50) -> list[InboxRefusal]:
    """Refused messages that claimed no known peer as sender (unknown senders, garbage)."""
    known = Peer.objects.values_list("code", flat=True)
    return list(InboxRefusal.objects.exclude(sender_code__in=known)[:limit])


def key_rotation_status() -> list[dict[str, Any]]:
    """Per peer: the state of our last key announcement to it, and its own last key change (two
    queries, whatever the number of peers)."""
    last: dict[int, OutboxMessage] = {}
    for message in OutboxMessage.objects.filter(kind="exchange.key_rotation").order_by("created_at", "pk"):
        last[message.peer_id] = message
    return [{"peer": peer, "announcement": last.get(peer.pk)} for peer in Peer.objects.order_by("code")]
