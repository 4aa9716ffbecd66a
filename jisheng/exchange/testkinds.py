"""The test-only message kind ``test.echo``, registered when JISHENG_EXCHANGE_TEST_KINDS is on (the
two-instance tests and the exchange benchmark), so they need no domain app.

Its handler writes an audit event ``exchange.test_echo`` (in the inbox transaction, so it exists once
per applied message) and answers the body back; a body ``{"refuse": "…"}`` makes it refuse with that
reason, and ``{"fail": true}`` makes it raise (the delivery is rolled back and sent again later).
"""

from __future__ import annotations

from typing import Any

from jisheng.audit.services import record

from . import handlers
from .models import InboxMessage

KIND = "test.echo"


def echo(*, message: InboxMessage) -> dict[str, Any]:
    if message.body.get("refuse"):
        raise handlers.Refused(str(message.body["refuse"]))
    if message.body.get("fail"):
        raise RuntimeError("test.echo was asked to fail")
    record(
        by=handlers_actor(),
        action="exchange.test_echo",
        obj=message,
        after={"subject": message.subject_key, "sequence": message.sequence},
    )
    return {"echo": message.body}


def handlers_actor() -> Any:
    from .services import INBOX

    return INBOX


def register() -> None:
    handlers.register(KIND, echo, replace=True)
