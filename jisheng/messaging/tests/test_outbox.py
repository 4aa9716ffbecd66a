"""The outbox: queued with the event, sent by the periodic work, retried with backoff, never sent twice."""

from __future__ import annotations

import datetime
import json
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from jisheng.audit.models import AuditEvent
from jisheng.messaging import services
from jisheng.messaging.models import Message, MessageState
from jisheng.messaging.senders import SendError
from tests.factories import SETUP

SENT: list[str] = []


class RecordingSender:
    def send(self, *, phone: str, text: str, reference: str) -> None:
        SENT.append(reference)


class FailingSender:
    def send(self, *, phone: str, text: str, reference: str) -> None:
        raise SendError("gateway down")


class SenderThatLetsAnotherSenderRun:
    """While this sender is busy with a message, a second sender (another scheduler) runs in full."""

    def send(self, *, phone: str, text: str, reference: str) -> None:
        SENT.append(reference)
        with override_settings(JISHENG_SMS_SENDER=f"{__name__}.RecordingSender"):
            services.messages_send()


def queue(area: Any, text: str = "【计生服务】测试") -> Message:
    with transaction.atomic():
        return services.message_enqueue(
            subject_type="hall.application",
            subject_id="SQ-1",
            area=area,
            phone="13800138000",
            text=text,
            by=SETUP,
        )


@pytest.fixture(autouse=True)
def empty_log() -> None:
    SENT.clear()


def later(minutes: int) -> Any:
    return mock.patch(
        "django.utils.timezone.now", return_value=timezone.now() + datetime.timedelta(minutes=minutes)
    )


def test_a_message_queued_by_an_event_that_is_rolled_back_does_not_exist(areas) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        services.message_enqueue(
            subject_type="x", subject_id="1", area=areas["village_a"], phone="1", text="t", by=SETUP
        )
        raise RuntimeError("the event fails after the message was queued")
    assert not Message.objects.exists()


def test_the_default_sender_writes_the_sms_to_a_file_in_the_data_directory(areas, settings, tmp_path) -> None:
    settings.DATA_DIR = tmp_path
    message = queue(areas["village_a"])
    call_command("messages-send")
    line = json.loads((tmp_path / "sms-outbox.jsonl").read_text(encoding="utf-8"))
    assert line["phone"] == "13800138000" and line["reference"] == f"jisheng-{message.pk}"
    message.refresh_from_db()
    assert message.state == MessageState.SENT and message.sent_at is not None
    assert AuditEvent.objects.filter(action="messaging.sent", object_id=str(message.pk)).exists()


def test_a_failing_sender_is_retried_later_with_a_growing_pause_and_the_message_is_sent_once_it_recovers(
    areas, settings
) -> None:
    message = queue(areas["village_a"])
    settings.JISHENG_SMS_SENDER = f"{__name__}.FailingSender"
    assert services.messages_send() == {"sent": 0, "retry": 1, "failed": 0}
    message.refresh_from_db()
    assert (
        message.state == MessageState.PENDING
        and message.attempts == 1
        and message.last_error == "gateway down"
    )
    first_pause = message.next_attempt_at - timezone.now()
    assert datetime.timedelta(seconds=50) < first_pause <= datetime.timedelta(minutes=1)
    assert services.messages_send() == {"sent": 0, "retry": 0, "failed": 0}  # not due yet
    with later(2):
        services.messages_send()
    message.refresh_from_db()
    assert message.attempts == 2 and message.next_attempt_at - timezone.now() > datetime.timedelta(minutes=3)

    settings.JISHENG_SMS_SENDER = f"{__name__}.RecordingSender"
    with later(10):
        assert services.messages_send() == {"sent": 1, "retry": 0, "failed": 0}
    assert [f"jisheng-{message.pk}"] == SENT
    assert AuditEvent.objects.filter(action="messaging.retry", object_id=str(message.pk)).count() == 2


def test_after_the_last_attempt_the_message_is_kept_as_failed_not_dropped(areas, settings) -> None:
    message = queue(areas["village_a"])
    settings.JISHENG_SMS_SENDER = f"{__name__}.FailingSender"
    for attempt in range(services.MAX_ATTEMPTS):
        with later(400 * attempt):
            services.messages_send()
    message.refresh_from_db()
    assert message.state == MessageState.FAILED and message.attempts == services.MAX_ATTEMPTS
    assert AuditEvent.objects.filter(action="messaging.failed", object_id=str(message.pk)).exists()


def test_two_senders_running_at_once_send_each_message_once(areas, settings) -> None:
    messages = [queue(areas["village_a"], f"第 {n} 条") for n in range(3)]
    settings.JISHENG_SMS_SENDER = f"{__name__}.SenderThatLetsAnotherSenderRun"
    services.messages_send()
    assert sorted(SENT) == sorted(f"jisheng-{m.pk}" for m in messages)
    assert set(Message.objects.values_list("state", flat=True)) == {MessageState.SENT}


def test_a_message_listed_by_two_senders_is_claimed_by_one_only(areas) -> None:
    message = queue(areas["village_a"])
    now = timezone.now()
    assert services._claim(message.pk, now) is True
    assert services._claim(message.pk, now) is False
