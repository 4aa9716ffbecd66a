"""Message bodies carry migrants' names, ID numbers and phones: outbox and inbox rows keep them sealed
with SM4-GCM (the raw column holds no plaintext), the envelope sent is signed over the clear body, the
receiver's handler reads the clear body, the migration seals rows written in the clear (and opens them
when reversed), and rotating the data key re-seals them."""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from jisheng.core.crypto import fields as sealed
from jisheng.exchange import services, signing
from jisheng.exchange.models import InboxMessage, OutboxMessage

from .conftest import TEST_JOB

pytestmark = pytest.mark.django_db
ID_NUMBER, PHONE, NAME = "41172319900101002X", "13912345678", "陈玉兰"
BODY = {"id_number": ID_NUMBER, "name": NAME, "phone": PHONE, "items": [1, {"a": None}]}


def raw(table: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT body FROM {table} WHERE id = %s", [pk])
        row = cursor.fetchone()
    assert row is not None
    return str(row[0])


@pytest.fixture
def own_keys(settings: Any, tmp_path: Any) -> Any:
    """A key store of this test's own, so rotating the data key leaves the other tests' alone."""
    settings.KEYS_DIR = tmp_path / "keys"
    return settings.KEYS_DIR


def queued(peer: Any) -> OutboxMessage:
    message = services.message_send(
        by=TEST_JOB, kind="test.echo", to_area_code="441900003001", subject_key="p-1", body=BODY
    )
    assert message is not None
    return OutboxMessage.objects.get(pk=message.pk)


def test_an_outgoing_body_is_sealed_at_rest_and_the_envelope_is_signed_over_the_clear_body(peer: Any) -> None:
    message = queued(peer)
    stored = raw("exchange_outboxmessage", message.pk)
    assert stored.startswith("sm4gcm:")
    assert ID_NUMBER not in stored and PHONE not in stored and NAME not in stored
    fresh = OutboxMessage.objects.get(pk=message.pk)
    assert fresh.body == BODY
    assert OutboxMessage.objects.filter(pk=message.pk).values_list("body", flat=True).get() == BODY
    envelope = services.envelope_of(fresh, sent=timezone.now())
    assert envelope["body"] == BODY
    assert signing.verify(envelope, signing.own_public_key())


def test_an_incoming_body_is_sealed_at_rest_and_the_handler_reads_it_in_the_clear(
    peer: Any, echo_handler: Any, envelope_from_peer: Any
) -> None:
    envelope = envelope_from_peer(body=BODY)
    response = Client().post(
        "/api/v1/exchange/inbox", data=json.dumps({"messages": [envelope]}), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["receipts"][0]["payload"] == {"echo": BODY}
    message = InboxMessage.objects.get()
    stored = raw("exchange_inboxmessage", message.pk)
    assert stored.startswith("sm4gcm:") and ID_NUMBER not in stored and NAME not in stored
    assert message.body == BODY


def test_the_migration_seals_bodies_written_in_the_clear_and_opens_them_when_reversed(peer: Any) -> None:
    message = queued(peer)
    clear = json.dumps(BODY, ensure_ascii=False)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE exchange_outboxmessage SET body = %s WHERE id = %s", [clear, message.pk])
    assert OutboxMessage.objects.get(pk=message.pk).body == BODY  # plaintext still reads
    migration = importlib.import_module("jisheng.exchange.migrations.0004_seal_message_bodies")

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection  # type: ignore[attr-defined]
    migration.seal_rows(None, editor)
    stored = raw("exchange_outboxmessage", message.pk)
    assert stored.startswith("sm4gcm:") and ID_NUMBER not in stored
    assert OutboxMessage.objects.get(pk=message.pk).body == BODY
    migration.open_rows(None, editor)
    assert json.loads(raw("exchange_outboxmessage", message.pk)) == BODY


def test_rotating_the_data_key_reseals_the_message_bodies(own_keys: Any, peer: Any) -> None:
    message = queued(peer)
    assert sealed.sealed_version(raw("exchange_outboxmessage", message.pk)) == "1"
    call_command("crypto-rotate")
    assert sealed.sealed_version(raw("exchange_outboxmessage", message.pk)) == "2"
    assert OutboxMessage.objects.get(pk=message.pk).body == BODY
