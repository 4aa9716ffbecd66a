"""jisheng messages-send: send the queued SMS that are due (the scheduler runs it every minute)."""

from typing import Any

from django.core.management.base import BaseCommand

from jisheng.messaging.services import messages_send


class Command(BaseCommand):
    help = "Send queued messages that are due, with retries and backoff"

    def handle(self, *args: Any, **options: Any) -> None:
        result = messages_send()
        self.stdout.write(
            f"短信 / messages: 已发送 {result['sent']}  待重试 {result['retry']}  失败 {result['failed']}"
        )
