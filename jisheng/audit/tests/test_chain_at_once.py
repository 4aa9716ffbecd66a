"""Twenty changes audited at once append twenty events to one chain: the head's lock serialises the
appends, so the chain never forks and verifies whole."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from jisheng.audit.models import AuditChainHead, AuditEvent
from jisheng.audit.services import record, verify_chain
from jisheng.core.actor import System


@pytest.mark.django_db(transaction=True)
def test_twenty_events_recorded_at_once_make_one_unbroken_chain() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's test database is in memory: one connection, nothing runs at once")
    with transaction.atomic():
        record(by=System(job="test"), action="test.first", object_type="test", object_id="0")
    start = threading.Barrier(20)
    failures: list[BaseException] = []

    def append(number: int) -> None:
        try:
            start.wait()
            with transaction.atomic():
                record(
                    by=System(job="test"), action="test.at_once", object_type="test", object_id=str(number)
                )
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append, args=(number,)) for number in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    events = list(AuditEvent.objects.order_by("id"))
    assert len(events) == 21
    assert [event.prev_hash for event in events[1:]] == [event.hash for event in events[:-1]]
    head = AuditChainHead.objects.get(id=1)
    assert (head.last_event_id, head.last_hash) == (events[-1].pk, events[-1].hash)
    assert verify_chain().broken_event_id is None


@pytest.mark.django_db
def test_the_first_event_ever_starts_the_chain_from_its_genesis() -> None:
    AuditChainHead.objects.all().delete()
    with transaction.atomic():
        event = record(by=System(job="test"), action="test.first", object_type="test", object_id="1")
    head = AuditChainHead.objects.get(id=1)
    assert head.last_event_id == event.pk and head.last_hash == event.hash
    assert verify_chain().broken_event_id is None
