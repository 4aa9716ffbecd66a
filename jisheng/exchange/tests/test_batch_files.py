"""Signed batch files: a file whose messages skip a sequence number of a subject is refused as a whole,
naming the gap, and logged; a file that continues where the last one stopped is applied."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.utils import timezone

from jisheng.exchange import envelopes, services, signing
from jisheng.exchange.models import InboxMessage, InboxRefusal

from .conftest import TEST_JOB

pytestmark = pytest.mark.django_db


def batch_file(peer_key: Any, messages: list[dict[str, Any]]) -> bytes:
    document = signing.sign(
        {
            "v": 1,
            "type": envelopes.BATCH_TYPE,
            "file_id": str(uuid.uuid4()),
            "from": "4419",
            "to": "411723",
            "exported": envelopes.timestamp(timezone.now()),
            "messages": messages,
        },
        peer_key,
    )
    return json.dumps(document, ensure_ascii=False).encode()


def test_a_file_that_skips_a_sequence_number_is_refused_naming_the_gap(
    peer: Any, peer_key: Any, echo_handler: Any, envelope_from_peer: Any
) -> None:
    data = batch_file(peer_key, [envelope_from_peer(seq=1), envelope_from_peer(seq=3)])
    with pytest.raises(services.FileRefused, match="subject-1.*1.*3.*2"):
        services.batch_import(by=TEST_JOB, data=data)
    assert not InboxMessage.objects.exists()
    refusal = InboxRefusal.objects.get()
    assert (refusal.code, refusal.transport) == ("gap", "file")


def test_a_file_continuing_after_what_was_received_is_applied_and_one_starting_later_is_refused(
    peer: Any, peer_key: Any, echo_handler: Any, envelope_from_peer: Any
) -> None:
    first = services.batch_import(
        by=TEST_JOB, data=batch_file(peer_key, [envelope_from_peer(seq=1), envelope_from_peer(seq=2)])
    )
    assert first.applied == 2
    following = services.batch_import(by=TEST_JOB, data=batch_file(peer_key, [envelope_from_peer(seq=3)]))
    assert following.applied == 1
    with pytest.raises(services.FileRefused, match="4"):
        services.batch_import(by=TEST_JOB, data=batch_file(peer_key, [envelope_from_peer(seq=5)]))
    assert InboxMessage.objects.count() == 3
