"""An audited change appends its event with as few statements as its database allows while it holds
the chain's head: on PostgreSQL the locked read, then the event and the head's move in one statement;
the event stored is the one hashed, and the chain verifies."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from jisheng.audit.models import AuditChainHead, AuditEvent
from jisheng.audit.services import compute_hash, record, verify_chain
from jisheng.core.actor import System

pytestmark = pytest.mark.django_db


def test_an_event_is_appended_in_two_statements_on_postgresql_and_stored_as_hashed() -> None:
    with transaction.atomic():
        record(by=System(job="test"), action="test.first", object_type="test", object_id="0")
    with transaction.atomic(), CaptureQueriesContext(connection) as statements:
        event = record(
            by=System(job="test"),
            action="test.second",
            object_type="test",
            object_id="1",
            before={"状态": "已受理", "n": 1},
            after={"状态": "待补正", "材料": ["身份证", "户口簿"]},
            reason="一次性告知",
        )
    if connection.vendor == "postgresql":
        assert len(statements.captured_queries) == 2
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.prev_hash, stored.hash) == (event.prev_hash, event.hash)
    assert stored.hash == compute_hash(stored.prev_hash, stored)
    assert stored.after == {"状态": "待补正", "材料": ["身份证", "户口簿"]}
    head = AuditChainHead.objects.get(id=1)
    assert (head.last_event_id, head.last_hash) == (event.pk, event.hash)
    assert verify_chain().broken_event_id is None
