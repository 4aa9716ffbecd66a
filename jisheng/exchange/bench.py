"""`jisheng bench` measures of the exchange: two deployments on loopback exchange N messages end to end.

Two ``jisheng serve`` processes (``jisheng.exchange.instances``: 平舆县 and 东莞市, each its own SQLite
database and key pair, each the other's peer) are started in a temporary directory. 平舆县 queues N
messages of the test kind (a mix shaped like arrival notices and verification requests, about four per
person, so the per-person order is exercised), then sends them all: signed, posted in batches, checked
and applied in the peer's inbox, answered with a signed receipt, the receipt verified and the message
marked acknowledged. The measure is messages per second over that sending, from the first post to the
last receipt (the target: 10,000 in at most 60 s). Beside it, as the baseline, the bare cost of the
cryptography of the same messages in this process: signing and verifying each envelope and its receipt.

N is JISHENG_BENCH_EXCHANGE_MESSAGES (default 10,000); the instances' set-up (one migration, two
servers) is not timed. ``jisheng bench --only exchange`` needs no county (nor a migrated database here).
No figures are recorded yet: they are to be taken on an idle machine (a run of 200 messages on a shared, busy machine only proved that it works).
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone

from jisheng.core.bench import BenchContext, measure

from . import envelopes, signing
from .instances import loopback_pair, migrated_database

ORDER = 90
# The two instances bring their own databases: no county is needed in this one.
COUNTY_FREE_PREFIX = "exchange"
DEFAULT_MESSAGES = 10_000

QUEUE = """
import time
from django.db import transaction
from jisheng.exchange.services import message_send, SENDER
count = {count}
started = time.perf_counter()
for first in range(0, count, 500):
    with transaction.atomic():
        for n in range(first, min(first + 500, count)):
            person = n // 4
            verification = n % 4 == 3
            message_send(
                by=SENDER,
                kind="test.echo",
                to_area_code="441900003001" if person % 2 else "441900004001",
                subject_key=f"bench-person-{{person}}",
                body={{"kind": "verification" if verification else "notice",
                       "name": "测试人员", "id_hash": f"{{person:064d}}", "priority": "urgent" if n % 10 == 0 else "normal",
                       "text": "流动人口婚育情况通报" * 3}},
            )
result = {{"queued_seconds": time.perf_counter() - started}}
"""

SEND = """
import time
from jisheng.exchange.models import OutboxMessage, OutboxState
from jisheng.exchange.services import SENDER, outbox_send
started = time.perf_counter()
rounds = 0
while OutboxMessage.objects.filter(state__in=[OutboxState.PENDING, OutboxState.SENDING]).exists() and rounds < 50:
    outbox_send(by=SENDER, ignore_backoff=True)
    rounds += 1
seconds = time.perf_counter() - started
states = {s: OutboxMessage.objects.filter(state=s).count() for s in OutboxState.values}
result = {"seconds": seconds, "states": states, "rounds": rounds}
"""

APPLIED = """
from jisheng.exchange.models import InboxMessage
result = InboxMessage.objects.filter(subject_key__startswith="bench-person-").count()
"""


def exchange_end_to_end(
    count: int, base_dir: Path, log: Any = print, template_db: Path | None = None
) -> dict[str, Any]:
    """Start the pair, queue ``count`` messages at A, send them all; the timings and final states."""
    log(f"exchange: starting two instances in {base_dir}")
    template = template_db or migrated_database(base_dir)
    with loopback_pair(
        base_dir, extra_env={"JISHENG_EXCHANGE_SEND_ON_COMMIT": "0"}, template_db=template
    ) as (henan, guangdong):
        log(f"exchange: queueing {count} messages at {henan.name}")
        queued = henan.shell_json(QUEUE.format(count=count), timeout=3600)
        log("exchange: sending")
        sent = henan.shell_json(SEND, timeout=3600)
        applied = guangdong.shell_json(APPLIED)
    return {**queued, **sent, "applied": applied}


def bare_signing(count: int) -> float:
    """Seconds to sign and verify ``count`` envelopes and their receipts, nothing else."""
    sender, receiver = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    sender_public, receiver_public = sender.public_key(), receiver.public_key()
    now = envelopes.timestamp(timezone.now())
    documents = [
        {
            "v": 1,
            "id": str(uuid.uuid4()),
            "from": "411723",
            "to": "4419",
            "kind": "test.echo",
            "subject": f"bench-person-{n // 4}",
            "seq": n % 4 + 1,
            "from_area": "411723000000",
            "to_area": "441900003001",
            "created": now,
            "sent": now,
            "body": {
                "kind": "notice",
                "name": "测试人员",
                "id_hash": f"{n // 4:064d}",
                "text": "流动人口婚育情况通报" * 3,
            },
        }
        for n in range(count)
    ]
    started = time.perf_counter()
    for document in documents:
        envelope = signing.sign(document, sender)
        assert signing.verify(envelope, sender_public)
        receipt = signing.sign(
            {
                "v": 1,
                "receipt_for": envelope["id"],
                "from": "4419",
                "to": "411723",
                "status": "applied",
                "payload": {},
                "reason": "",
                "at": now,
            },
            receiver,
        )
        assert signing.verify(receipt, receiver_public)
    return time.perf_counter() - started


def measures(ctx: BenchContext) -> Iterator[dict[str, Any]]:
    if not ctx.wants_any("exchange"):
        return
    count = int(os.environ.get("JISHENG_BENCH_EXCHANGE_MESSAGES", DEFAULT_MESSAGES))
    with tempfile.TemporaryDirectory(prefix="jisheng-bench-exchange-") as directory:
        result = exchange_end_to_end(count, Path(directory), ctx.log)
    crypto_seconds = bare_signing(count)
    acknowledged = result["states"].get("acked", 0)
    if ctx.wants("exchange.end_to_end"):
        yield measure(
            "exchange.end_to_end",
            count / result["seconds"] if result["seconds"] else 0.0,
            "messages/s",
            baseline=round(count / crypto_seconds, 1) if crypto_seconds else None,
            messages=count,
            seconds=round(result["seconds"], 2),
            acknowledged=acknowledged,
            applied=result["applied"],
            queued_seconds=round(result["queued_seconds"], 2),
            signing_and_verifying_seconds=round(crypto_seconds, 3),
        )
    if ctx.wants("exchange.sign_and_verify"):
        yield measure("exchange.sign_and_verify", count / crypto_seconds, "messages/s", messages=count)
