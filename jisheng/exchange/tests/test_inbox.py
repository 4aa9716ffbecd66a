"""Receiving: each refusal is answered, recorded in the refusals table and audited; a good message is
applied exactly once, and its re-delivery gets the same receipt."""

import datetime
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import Client
from django.utils import timezone

from jisheng.audit.models import AuditEvent
from jisheng.exchange import envelopes, signing
from jisheng.exchange.models import InboxMessage, InboxRefusal, InboxState

pytestmark = pytest.mark.django_db

URL = "/api/v1/exchange/inbox"


def post(*messages):
    # A fresh client without a session, and with CSRF checks on: the inbox is authenticated by signatures.
    client = Client(enforce_csrf_checks=True)
    return client.post(URL, data=json.dumps({"messages": list(messages)}), content_type="application/json")


def refused(code):
    return InboxRefusal.objects.filter(code=code).count(), AuditEvent.objects.filter(
        action="exchange.message_rejected", after__code=code
    ).count()


def test_a_signed_message_from_a_peer_is_applied_once_and_answered_with_a_signed_receipt(
    peer, peer_key, echo_handler, envelope_from_peer
):
    envelope = envelope_from_peer()
    response = post(envelope)
    assert response.status_code == 200, response.content
    receipt = response.json()["receipts"][0]
    assert receipt["status"] == "applied" and receipt["receipt_for"] == envelope["id"]
    assert receipt["payload"] == {"echo": {"text": "到达通报"}}
    assert signing.verify(receipt, signing.own_public_key())
    message = InboxMessage.objects.get()
    assert (message.state, message.peer, message.to_area_code) == (InboxState.APPLIED, peer, "411723101201")
    assert AuditEvent.objects.filter(action="exchange.test_echo").count() == 1


def test_a_redelivered_message_gets_the_same_receipt_and_is_not_applied_again(
    peer, echo_handler, envelope_from_peer, peer_key
):
    envelope = envelope_from_peer()
    first = post(envelope).json()["receipts"][0]
    # Sent again later (its transmission time changes, so it is signed again): the same receipt.
    again = signing.sign({**envelope, "sent": envelopes.timestamp(timezone.now())}, peer_key)
    second = post(again).json()["receipts"][0]
    assert second == first
    assert InboxMessage.objects.count() == 1
    assert AuditEvent.objects.filter(action="exchange.test_echo").count() == 1


def test_a_replayed_message_id_with_other_content_is_refused_and_logged(
    peer, echo_handler, envelope_from_peer
):
    envelope = envelope_from_peer()
    post(envelope)
    replay = envelope_from_peer(id=envelope["id"], body={"text": "另一条"})
    response = post(replay)
    assert response.status_code == 403 and response.json()["code"] == "replayed"
    assert refused("replayed") == (1, 1)
    assert InboxMessage.objects.get().body == {"text": "到达通报"}


def test_an_unsigned_message_is_refused_and_logged(peer, echo_handler, envelope_from_peer):
    response = post(envelope_from_peer(sign=False))
    assert response.status_code == 403 and response.json()["code"] == "unsigned"
    assert refused("unsigned") == (1, 1)
    assert not InboxMessage.objects.exists()


def test_a_tampered_message_is_refused_and_logged(peer, echo_handler, envelope_from_peer):
    envelope = envelope_from_peer()
    envelope["body"] = {"text": "篡改"}
    response = post(envelope)
    assert response.status_code == 403 and response.json()["code"] == "bad_signature"
    assert "签名" in response.json()["detail"]
    assert refused("bad_signature") == (1, 1)


def test_a_message_signed_by_a_foreign_key_is_refused_and_logged(peer, echo_handler, envelope_from_peer):
    response = post(envelope_from_peer(key=Ed25519PrivateKey.generate()))
    assert response.status_code == 403 and response.json()["code"] == "bad_signature"
    assert refused("bad_signature") == (1, 1)


def test_a_message_from_an_unknown_or_disabled_peer_is_refused(peer, echo_handler, envelope_from_peer):
    from jisheng.exchange import services

    from .conftest import TEST_JOB

    assert post(envelope_from_peer(**{"from": "3301"})).json()["code"] == "unknown_peer"
    services.peer_disable(by=TEST_JOB, peer=peer)
    assert post(envelope_from_peer()).json()["code"] == "unknown_peer"
    assert refused("unknown_peer") == (2, 2)


def test_a_message_whose_time_is_too_far_off_is_refused(peer, echo_handler, envelope_from_peer):
    old = envelopes.timestamp(timezone.now() - datetime.timedelta(hours=1))
    future = envelopes.timestamp(timezone.now() + datetime.timedelta(hours=1))
    assert post(envelope_from_peer(sent=old)).json()["code"] == "stale"
    assert post(envelope_from_peer(created=future)).json()["code"] == "stale"
    assert refused("stale") == (2, 2)


def test_a_message_about_an_area_outside_the_peers_prefixes_or_outside_ours_is_refused(
    peer, echo_handler, envelope_from_peer
):
    assert post(envelope_from_peer(from_area="440300000000")).json()["code"] == "area"
    assert post(envelope_from_peer(to_area="411724101201")).json()["code"] == "area"
    assert refused("area") == (2, 2)


def test_a_message_for_another_deployment_is_refused(peer, echo_handler, envelope_from_peer):
    assert post(envelope_from_peer(to="411724")).json()["code"] == "wrong_recipient"


def test_a_malformed_body_is_answered_in_json_not_with_a_500(peer):
    client = Client()
    response = client.post(URL, data="not json", content_type="application/json")
    assert response.status_code in (400, 422)
    assert "detail" in response.json()
    assert post({"v": 1, "signature": "x"}).json()["code"] == "malformed"


def test_a_refusing_handler_rolls_back_its_writes_and_answers_refused(peer, echo_handler, envelope_from_peer):
    response = post(envelope_from_peer(body={"refuse": "查无此人"}))
    receipt = response.json()["receipts"][0]
    assert (receipt["status"], receipt["reason"]) == ("refused", "查无此人")
    assert InboxMessage.objects.get().state == InboxState.REFUSED
    assert not AuditEvent.objects.filter(action="exchange.test_echo").exists()


def test_a_kind_nobody_handles_is_refused_with_a_receipt(peer, envelope_from_peer):
    receipt = post(envelope_from_peer(kind="nobody.knows")).json()["receipts"][0]
    assert receipt["status"] == "refused" and "nobody.knows" in receipt["reason"]


def test_messages_after_a_refused_one_in_a_batch_are_not_applied(peer, echo_handler, envelope_from_peer):
    good = envelope_from_peer()
    bad = envelope_from_peer(seq=2, sign=False)
    later = envelope_from_peer(seq=3)
    body = post(good, bad, later).json()
    assert [r["receipt_for"] for r in body["receipts"]] == [good["id"]]
    assert body["refusal"]["message_id"] == bad["id"]
    assert InboxMessage.objects.count() == 1


def test_a_handler_that_fails_rolls_the_delivery_back_so_it_can_come_again(
    peer, echo_handler, envelope_from_peer
):
    client = Client(raise_request_exception=False)
    envelope = envelope_from_peer(body={"fail": True})
    response = client.post(URL, data=json.dumps({"messages": [envelope]}), content_type="application/json")
    assert response.status_code == 500
    assert not InboxMessage.objects.exists()


def test_the_inbox_is_documented_without_a_session_or_token_and_with_its_errors(db):
    document = Client().get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1/exchange/inbox"]["post"]
    assert not operation.get("security")
    assert {"200", "400", "403", "413", "422"} <= set(operation["responses"])


def test_a_refused_message_with_nul_characters_is_recorded_without_them(peer):
    response = post({"from": "44\x0019", "id": "x\x00", "kind": "k\x00", "signature": "s"})
    assert response.status_code == 403
    assert InboxRefusal.objects.get().sender_code == "4419"


def test_a_signed_message_carrying_nul_characters_is_refused_as_malformed(
    peer, echo_handler, envelope_from_peer
):
    response = post(envelope_from_peer(body={"text": "a\x00b"}))
    assert response.status_code == 403 and response.json()["code"] == "malformed"
