"""Two real deployments on loopback (平舆县 and 东莞市, each its own server process and database) exchange
messages: exactly once, acknowledged, in order after the peer was down, refusals logged, and the signed
file for a peer without a network link."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.smoke

SEND = """
from django.db import transaction
from jisheng.exchange.services import message_send, SENDER
ids = []
for n in range({count}):
    with transaction.atomic():
        message = message_send(by=SENDER, kind="test.echo", to_area_code="441900003001",
                               subject_key="{subject}", body={{"n": n}})
    ids.append(str(message.message_id))
result = ids
"""

OUTBOX = """
from jisheng.exchange.models import OutboxMessage
result = list(OutboxMessage.objects.filter(subject_key="{subject}").order_by("sequence")
              .values_list("state", "sequence", "last_error"))
"""

INBOX = """
from jisheng.audit.models import AuditEvent
from jisheng.exchange.models import InboxMessage
rows = list(InboxMessage.objects.filter(subject_key="{subject}").order_by("id")
            .values_list("message_id", "sequence", "state"))
echoes = AuditEvent.objects.filter(action="exchange.test_echo", after__subject="{subject}").count()
result = {{"rows": [[str(m), s, st] for m, s, st in rows], "echoes": echoes}}
"""


def test_a_notice_from_henan_arrives_in_guangdong_exactly_once_and_is_acknowledged(exchange_pair):
    henan, guangdong = exchange_pair
    [message_id] = henan.shell_json(SEND.format(count=1, subject="notice-1"))
    # Sent right after the commit, before any periodic run.
    assert henan.shell_json(OUTBOX.format(subject="notice-1")) == [["acked", 1, ""]]
    henan.command("exchange-send", "--now")  # nothing left to send: it is not sent twice
    inbox = guangdong.shell_json(INBOX.format(subject="notice-1"))
    assert inbox == {"rows": [[message_id, 1, "applied"]], "echoes": 1}


def test_messages_sent_while_the_peer_is_down_arrive_later_each_exactly_once_and_in_order(exchange_pair):
    henan, guangdong = exchange_pair
    guangdong.stop()
    ids = henan.shell_json(SEND.format(count=20, subject="down-1"))
    waiting = henan.shell_json(OUTBOX.format(subject="down-1"))
    assert [state for state, _seq, _error in waiting] == ["pending"] * 20
    assert waiting[0][2]  # the failed attempt's error is kept
    guangdong.start()
    henan.command("exchange-send", "--now")
    henan.command("exchange-send", "--now")
    assert [state for state, _seq, _error in henan.shell_json(OUTBOX.format(subject="down-1"))] == [
        "acked"
    ] * 20
    inbox = guangdong.shell_json(INBOX.format(subject="down-1"))
    assert [row[0] for row in inbox["rows"]] == ids  # each once, in the order sent
    assert [row[1] for row in inbox["rows"]] == list(range(1, 21))
    assert inbox["echoes"] == 20


def test_a_replayed_a_tampered_and_a_foreign_signed_message_are_each_refused_and_logged(exchange_pair):
    henan, guangdong = exchange_pair
    [message_id] = henan.shell_json(SEND.format(count=1, subject="attack-1"))
    answers = henan.shell_json(
        """
        import datetime
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from django.utils import timezone
        from jisheng.exchange import envelopes, signing, transport
        from jisheng.exchange.models import OutboxMessage, Peer
        message = OutboxMessage.objects.get(subject_key="attack-1")
        url = Peer.objects.get(code="4419").base_url
        genuine = services_envelope = __import__("jisheng.exchange.services", fromlist=["x"]).envelope_of(
            message, sent=timezone.now())
        def post(envelope):
            answer = transport.post(url, [envelope])
            return {"receipts": answer.receipts, "refusal": answer.refusal}
        tampered = {**genuine, "body": {"n": 999}}
        foreign = signing.sign({**genuine, "body": {"n": 1}}, Ed25519PrivateKey.generate())
        replayed = signing.sign({**genuine, "body": {"n": 2}})  # Henan's own key, the id already used
        old = signing.sign({**genuine, "sent": envelopes.timestamp(timezone.now() - datetime.timedelta(hours=2))})
        result = {"again": post(genuine), "tampered": post(tampered), "foreign": post(foreign),
                  "replayed": post(replayed), "old": post(old), "stored": message.receipt}
        """
    )
    assert answers["again"]["receipts"] == [answers["stored"]]  # a re-delivery: the same receipt
    assert answers["tampered"]["refusal"]["code"] == "bad_signature"
    assert answers["foreign"]["refusal"]["code"] == "bad_signature"
    assert answers["replayed"]["refusal"]["code"] == "replayed"
    assert answers["old"]["refusal"]["code"] == "stale"
    logged = guangdong.shell_json(
        f"""
        from jisheng.audit.models import AuditEvent
        from jisheng.exchange.models import InboxRefusal
        result = {{
            "refusals": sorted(InboxRefusal.objects.filter(message_id="{message_id}").values_list("code", flat=True)),
            "audited": sorted(AuditEvent.objects.filter(action="exchange.message_rejected",
                                                        after__message_id="{message_id}")
                              .values_list("after__code", flat=True)),
        }}
        """
    )
    expected = ["bad_signature", "bad_signature", "replayed", "stale"]
    assert logged == {"refusals": expected, "audited": expected}
    assert guangdong.shell_json(INBOX.format(subject="attack-1"))["echoes"] == 1


def test_a_signed_file_carries_messages_to_the_peer_and_their_receipts_come_back(exchange_pair, tmp_path):
    henan, guangdong = exchange_pair
    guangdong.stop()  # no network link: the messages wait, then travel in a file
    ids = henan.shell_json(SEND.format(count=3, subject="file-1"))
    batch = tmp_path / "to-dongguan.json"
    assert "3" in henan.command("exchange-export", "4419", str(batch))
    assert [row[0] for row in henan.shell_json(OUTBOX.format(subject="file-1"))] == ["exported"] * 3
    guangdong.start()

    tampered = tmp_path / "tampered.json"
    document = json.loads(batch.read_text())
    document["messages"][0]["body"] = {"n": 42}
    document["signature"] = document["signature"]
    tampered.write_text(json.dumps(document, ensure_ascii=False))
    # The file's own signature no longer matches: refused whole, nothing applied.
    assert "签名" in guangdong.command("exchange-import", str(tampered), check=False)

    guangdong.command("exchange-import", str(batch))
    output = guangdong.command("exchange-import", str(batch))  # a second import applies nothing again
    assert "重复 3" in output
    inbox = guangdong.shell_json(INBOX.format(subject="file-1"))
    assert [row[0] for row in inbox["rows"]] == ids and inbox["echoes"] == 3

    guangdong.command("exchange-send", "--now")  # the receipts go back as messages
    assert [row[0] for row in henan.shell_json(OUTBOX.format(subject="file-1"))] == ["acked"] * 3
