"""Retention of the audit trail: events are kept JISHENG_AUDIT_RETENTION_DAYS (at least 180) and then purged.

The purge removes a prefix of the chain only (every event up to the last one that is older than the
retention, never a gap), records the hash of the last removed event as the checkpoint verification starts
from, and writes an event of its own, all in one transaction.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jisheng.core.actor import Actor

from . import services
from .models import AuditChainHead, AuditEvent, AuditPurgePermit
from .triggers import MINIMUM_DAYS


@dataclass(frozen=True)
class PurgeResult:
    purged: int
    through_id: int | None
    cutoff: datetime.datetime


def retention_days() -> int:
    days = int(settings.JISHENG_AUDIT_RETENTION_DAYS)
    if days < MINIMUM_DAYS:
        # Settings refuse this at start-up; checked again so that no override can shorten the trail.
        raise ValueError(f"审计记录至少保存 {MINIMUM_DAYS} 天，当前设置为 {days} 天。")
    return days


def purge(*, by: Actor, now: datetime.datetime | None = None) -> PurgeResult:
    """Delete the events older than the retention and keep the rest verifiable. Outermost: the purge
    command's one transaction, holding the chain head's lock only while it runs."""
    days = retention_days()
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    with transaction.atomic(durable=True):
        # Lock the head first: no event is appended while the prefix is chosen and removed.
        head, _created = AuditChainHead.objects.select_for_update().get_or_create(
            id=1, defaults={"last_hash": services.GENESIS_HASH}
        )
        # The prefix ends before the first event that must be kept, so `at` a little out of id order
        # (two transactions racing for the head) never opens a gap in the chain.
        first_kept = (
            AuditEvent.objects.filter(at__gte=cutoff).order_by("id").values_list("id", flat=True).first()
        )
        prefix = AuditEvent.objects.filter(at__lt=cutoff)
        if first_kept is not None:
            prefix = prefix.filter(id__lt=first_kept)
        last = prefix.order_by("-id").values("id", "hash").first()
        purged = 0
        if last is not None:
            permit = AuditPurgePermit.objects.create(through_id=last["id"])
            # A queryset delete is SQL DELETE (AuditEvent.delete, which refuses, is not called); the
            # database's trigger lets it through only because of the permit above.
            purged, _counts = AuditEvent.objects.filter(id__lte=last["id"]).delete()
            permit.delete()
            head.purged_through_id = last["id"]
            head.purged_last_hash = last["hash"]
            head.save(update_fields=["purged_through_id", "purged_last_hash"])
        services.record(
            by=by,
            action="audit.purge",
            object_type="audit.auditevent",
            object_repr=f"≤ #{last['id']}" if last is not None else "",
            after={
                "retention_days": days,
                "cutoff": cutoff,
                "purged": purged,
                "through_id": last["id"] if last is not None else None,
                "checkpoint_hash": last["hash"] if last is not None else None,
            },
            area_code="",
        )
    return PurgeResult(purged=purged, through_id=last["id"] if last is not None else None, cutoff=cutoff)
