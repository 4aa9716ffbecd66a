"""The outbox's copy of a resident's phone is sealed at rest with SM4: the raw row holds no plaintext,
the sender is handed the phone in the clear, and a look-up by the whole phone still finds the message."""

from __future__ import annotations

import importlib

from django.db import connection, transaction
from django.test import override_settings

from jisheng.messaging import services
from jisheng.messaging.models import Message, MessageState
from tests.factories import SETUP

PHONE = "13912345678"
DELIVERED: list[str] = []


class KeepingSender:
    def send(self, *, phone: str, text: str, reference: str) -> None:
        DELIVERED.append(phone)


def _raw_phone(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM messaging_message WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


def _queue(area) -> Message:
    with transaction.atomic():
        return services.message_enqueue(
            subject_type="hall.application",
            subject_id="SQ-2",
            area=area,
            phone=PHONE,
            text="【计生服务】",
            by=SETUP,
        )


def test_the_raw_outbox_row_holds_no_plain_phone_and_the_sender_gets_the_phone_in_the_clear(areas) -> None:
    DELIVERED.clear()
    message = _queue(areas["township_a"])
    stored = _raw_phone(message.pk)
    assert stored.startswith("sm4siv:") and PHONE not in stored
    assert Message.objects.get(phone=PHONE) == message
    with override_settings(JISHENG_SMS_SENDER=f"{__name__}.KeepingSender"):
        services.messages_send()
    assert DELIVERED == [PHONE]
    assert Message.objects.get(pk=message.pk).state == MessageState.SENT


def test_the_migration_seals_phones_written_in_the_clear_and_reversed_opens_them(areas) -> None:
    message = _queue(areas["township_a"])
    migration = importlib.import_module("jisheng.messaging.migrations.0003_seal_sms_phones")

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection  # type: ignore[attr-defined]
    migration.open_rows(None, editor)
    assert _raw_phone(message.pk) == PHONE
    assert Message.objects.get(pk=message.pk).phone == PHONE
    migration.seal_rows(None, editor)
    assert _raw_phone(message.pk).startswith("sm4siv:")
    assert Message.objects.get(phone=PHONE) == message
