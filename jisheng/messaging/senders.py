"""SMS senders, chosen by the setting JISHENG_SMS_SENDER (a dotted path).

The default writes each SMS as one JSON line to ``DATA_DIR/sms-outbox.jsonl`` (a demo or an office
without a gateway reads it there); ``HttpGatewaySender`` posts to an SMS gateway.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger("jisheng.messaging")


class SendError(Exception):
    """The message was not accepted; it will be tried again later."""


class Sender(Protocol):
    def send(self, *, phone: str, text: str, reference: str) -> None: ...


class FileSender:
    def send(self, *, phone: str, text: str, reference: str) -> None:
        line = json.dumps(
            {"at": timezone.now().isoformat(), "phone": phone, "text": text, "reference": reference},
            ensure_ascii=False,
        )
        with open(settings.DATA_DIR / "sms-outbox.jsonl", "a", encoding="utf-8") as out:
            out.write(line + "\n")


class ConsoleSender:
    def send(self, *, phone: str, text: str, reference: str) -> None:
        logger.warning("SMS %s to %s: %s", reference, phone, text)


class HttpGatewaySender:
    """POSTs ``{"phone", "text", "reference", "sign"}`` as JSON to JISHENG_SMS_URL with the bearer token
    JISHENG_SMS_TOKEN. ``reference`` is the message's own id, so a gateway that deduplicates on it never
    delivers a message twice even when a send is retried after a crash."""

    def send(self, *, phone: str, text: str, reference: str) -> None:
        url = getattr(settings, "JISHENG_SMS_URL", "")
        if not url:
            raise SendError("JISHENG_SMS_URL is not set")
        body = json.dumps(
            {
                "phone": phone,
                "text": text,
                "reference": reference,
                "sign": getattr(settings, "JISHENG_SMS_SIGN", ""),
            },
            ensure_ascii=False,
        ).encode()
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {getattr(settings, 'JISHENG_SMS_TOKEN', '')}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - configured URL
                if response.status >= 300:
                    raise SendError(f"gateway answered {response.status}")
        except OSError as exc:
            raise SendError(str(exc)) from exc


def get_sender() -> Sender:
    return import_string(getattr(settings, "JISHENG_SMS_SENDER", "jisheng.messaging.senders.FileSender"))()
