"""The audit chain hashes with SM3 (GB/T 32905) by default; a chain begun with SHA-256 stays verifiable
across the switch, and no event may go back to SHA-256 after it."""

from __future__ import annotations

import pytest
from django.db import transaction

from jisheng.audit.models import AuditEvent
from jisheng.audit.services import compute_hash, record, verify_chain
from jisheng.core.actor import System
from jisheng.core.crypto import digest_hex

pytestmark = pytest.mark.django_db

BY = System(job="audit hashing test")


def _record(n: int) -> AuditEvent:
    with transaction.atomic():
        return record(by=BY, action="audit.test", object_type="test", object_id=str(n), after={"n": n})


def test_new_events_are_chained_with_sm3() -> None:
    event = _record(1)
    assert event.hash == compute_hash(event.prev_hash, event, "sm3")
    assert event.hash != compute_hash(event.prev_hash, event, "sha256")
    assert verify_chain().broken_event_id is None


def test_a_sha256_chain_switched_to_sm3_verifies_as_a_whole(settings) -> None:
    settings.JISHENG_AUDIT_HASH = "sha256"
    old = [_record(n) for n in range(3)]
    settings.JISHENG_AUDIT_HASH = "sm3"
    new = [_record(n) for n in range(3, 6)]
    assert old[0].hash == digest_hex("sha256", (old[0].prev_hash + _content_of(old[0])).encode())
    assert new[0].prev_hash == old[-1].hash and new[0].hash == compute_hash(new[0].prev_hash, new[0], "sm3")
    report = verify_chain()
    assert report.broken_event_id is None and report.checked == 6


def test_an_event_going_back_to_sha256_after_the_switch_is_named(settings) -> None:
    _record(1)
    settings.JISHENG_AUDIT_HASH = "sha256"
    downgraded = _record(2)
    report = verify_chain()
    assert report.broken_event_id == downgraded.pk and "hash" in report.problem


def _content_of(event: AuditEvent) -> str:
    from jisheng.audit.services import _content

    return _content(event)
