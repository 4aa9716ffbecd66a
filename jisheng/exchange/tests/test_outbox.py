"""Sending: queued in the caller's transaction, routed by area, claimed once, retried with growing pauses,
in order per subject, and done only by the peer's signed receipt."""

import datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from jisheng.exchange import envelopes, services, signing, transport
from jisheng.exchange.models import OutboxMessage, OutboxState

from .conftest import TEST_JOB

pytestmark = pytest.mark.django_db


def send(subject="p-1", area="441900003001", **body):
    return services.message_send(
        by=TEST_JOB, kind="test.echo", to_area_code=area, subject_key=subject, body=body or {"n": 1}
    )


class FakePeer:
    """Answers posts as the peer would: a receipt signed with its key for each envelope (or fails)."""

    def __init__(self, key, *, down=False, status="applied"):
        self.key, self.down, self.status, self.posted = key, down, status, []

    def __call__(self, base_url, batch):
        if self.down:
            raise transport.TransportError("Connection refused")
        self.posted.extend((e["subject"], e["seq"]) for e in batch)
        receipts = [
            signing.sign(
                {
                    "v": 1,
                    "receipt_for": e["id"],
                    "from": "4419",
                    "to": "411723",
                    "status": self.status,
                    "payload": {},
                    "reason": "" if self.status == "applied" else "查无此人",
                    "at": envelopes.timestamp(timezone.now()),
                },
                self.key,
            )
            for e in batch
        ]
        return transport.Answer(receipts, None)


@pytest.fixture
def fake_peer(monkeypatch, peer_key):
    fake = FakePeer(peer_key)
    monkeypatch.setattr(transport, "post", fake)
    return fake


def test_a_message_is_routed_to_the_peer_that_speaks_for_the_area(peer):
    message = send()
    assert (message.peer, message.state, message.sequence) == (peer, OutboxState.PENDING, 1)
    assert message.from_area_code == "411723000000"


def test_no_peer_for_the_area_is_refused_with_a_clear_reason(peer):
    with pytest.raises(ValidationError) as refused:
        send(area="330100000000")
    assert "330100000000" in refused.value.messages[0]
    assert "对方" in refused.value.messages[0] or "peer" in refused.value.messages[0]


def test_a_message_exists_only_if_the_callers_transaction_commits(peer):
    with pytest.raises(RuntimeError), transaction.atomic():
        send()
        raise RuntimeError("the caller's change failed")
    assert not OutboxMessage.objects.exists()


def test_sequence_numbers_count_per_subject(peer):
    assert [send("a").sequence, send("a").sequence, send("b").sequence] == [1, 2, 1]


def test_a_receipt_from_the_peer_acknowledges_the_message(peer, fake_peer):
    message = send()
    result = services.outbox_send(by=services.SENDER)
    message.refresh_from_db()
    assert result.acknowledged == 1 and message.state == OutboxState.ACKNOWLEDGED
    assert message.receipt["receipt_for"] == str(message.message_id)


def test_a_refusal_by_the_peers_handler_is_final(peer, fake_peer):
    fake_peer.status = "refused"
    message = send()
    services.outbox_send(by=services.SENDER)
    message.refresh_from_db()
    assert (message.state, message.last_error) == (OutboxState.REFUSED, "查无此人")
    services.outbox_send(by=services.SENDER, ignore_backoff=True)
    assert len(fake_peer.posted) == 1


def test_a_receipt_signed_by_someone_else_acknowledges_nothing(peer, fake_peer):
    fake_peer.key = Ed25519PrivateKey.generate()
    message = send()
    services.outbox_send(by=services.SENDER)
    message.refresh_from_db()
    assert message.state == OutboxState.PENDING and message.attempts == 1


def test_a_peer_that_is_down_gets_the_message_later_after_growing_pauses(peer, fake_peer):
    fake_peer.down = True
    message = send()
    before = timezone.now()
    assert services.outbox_send(by=services.SENDER).retry == 1
    message.refresh_from_db()
    assert message.state == OutboxState.PENDING and "refused" in message.last_error
    assert message.next_attempt_at >= before + datetime.timedelta(seconds=29)
    assert services.outbox_send(by=services.SENDER).retry == 0  # not due yet: nothing is tried
    services.outbox_send(by=services.SENDER, ignore_backoff=True)
    message.refresh_from_db()
    assert message.attempts == 2 and message.next_attempt_at >= before + datetime.timedelta(seconds=59)
    fake_peer.down = False
    services.outbox_send(by=services.SENDER, ignore_backoff=True)
    message.refresh_from_db()
    assert message.state == OutboxState.ACKNOWLEDGED


def test_the_pause_doubles_up_to_an_hour():
    assert [services.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert services.backoff(30).total_seconds() == 3600


def test_after_the_last_attempt_a_message_is_failed_kept_and_can_be_queued_again(peer, fake_peer):
    fake_peer.down = True
    message = send()
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=services.MAX_ATTEMPTS - 1)
    assert services.outbox_send(by=services.SENDER).failed == 1
    message.refresh_from_db()
    assert message.state == OutboxState.FAILED
    assert services.outbox_retry(by=TEST_JOB, peer=peer) == 1
    fake_peer.down = False
    services.outbox_send(by=services.SENDER)
    message.refresh_from_db()
    assert message.state == OutboxState.ACKNOWLEDGED


def test_two_workers_never_claim_the_same_message(peer):
    message = send()
    now = timezone.now()
    _token, first = services._claim([message.pk], now, ignore_backoff=False)
    _token, second = services._claim([message.pk], now, ignore_backoff=False)
    assert [m.pk for m in first] == [message.pk] and second == []


def test_a_claim_of_a_sender_that_died_is_sent_again_at_once_and_a_live_senders_claim_waits(peer, fake_peer):
    import os
    import subprocess
    import sys

    from jisheng.exchange.services import common

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(dead.stdout)
    abandoned, held = send("dead-1"), send("live-1")
    now = timezone.now()
    for message, pid in ((abandoned, dead_pid), (held, os.getppid())):
        token = f"{common._host_mark()}{pid:x}-{'0' * 16}"[:32]
        OutboxMessage.objects.filter(pk=message.pk).update(
            state=OutboxState.SENDING, claimed_at=now, claim_token=token, attempts=1
        )
    assert common.claimer_gone(common.claim_token()) is False  # this process's own claim
    services.outbox_send(by=services.SENDER)
    assert fake_peer.posted == [("dead-1", 1)]
    abandoned.refresh_from_db()
    held.refresh_from_db()
    assert abandoned.state == OutboxState.ACKNOWLEDGED and abandoned.attempts == 2
    assert held.state == OutboxState.SENDING  # its sender may only be slow: it waits to be stale


def test_a_later_message_of_a_subject_waits_for_the_earlier_one(peer, fake_peer):
    first, second = send("p"), send("p")
    other = send("q")
    fake_peer.down = True
    services.outbox_send(by=services.SENDER)
    fake_peer.down = False
    # The first of "p" waits out its pause; the second, due, may not overtake it; "q" goes.
    OutboxMessage.objects.filter(pk__in=[second.pk, other.pk]).update(next_attempt_at=timezone.now())
    services.outbox_send(by=services.SENDER)
    assert fake_peer.posted == [("q", 1)]
    services.outbox_send(by=services.SENDER, ignore_backoff=True)
    assert fake_peer.posted == [("q", 1), ("p", 1), ("p", 2)]
    assert {m.state for m in OutboxMessage.objects.filter(pk__in=[first.pk, second.pk, other.pk])} == {
        OutboxState.ACKNOWLEDGED
    }
