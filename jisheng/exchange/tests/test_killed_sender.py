"""The worker sending the outbox is killed with -9 while a batch is in flight, between two real deployments
on loopback: after the peer applied a batch and before the sender recorded its receipts (the worker waits
there, ``outbox_send:batch_answered``, to be killed), with the next batch posted meanwhile. Nothing is
lost and nothing is applied twice: the next worker queues the killed job again, sees that the claims were
made by a process of this host that is gone, and sends those messages again at once (the peer answers
the ones it had applied with their receipts) and then the rest. Every message ends acknowledged, each
applied exactly once and in its subject's order at the peer, and the audit chain verifies on both
sides."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from jisheng.exchange.instances import Instance, loopback_pair
from jisheng.exchange.services.common import BATCH_SIZE

pytestmark = pytest.mark.smoke

MESSAGES = 1000
SUBJECTS = 10
ANSWERED = "outbox_send:batch_answered"

QUEUE = """
from django.db import transaction
from jisheng.exchange.services import SENDER, message_send
with transaction.atomic():
    for n in range({count}):
        message_send(by=SENDER, kind="test.echo", to_area_code="441900003001",
                     subject_key=f"killed-{{n % {subjects}}}", body={{"n": n}})
result = {count}
"""

SENT = """
from jisheng.exchange.models import OutboxMessage
result = sorted(str(m) for m in OutboxMessage.objects.filter(subject_key__startswith="killed-")
                .values_list("message_id", flat=True))
"""

ARRIVED = """
from collections import Counter
from jisheng.audit.models import AuditEvent
from jisheng.exchange.models import InboxMessage
rows = list(InboxMessage.objects.filter(subject_key__startswith="killed-").order_by("id")
            .values_list("message_id", "subject_key", "sequence", "state"))
in_order = all(
    [s for _m, subject, s, _st in rows if subject == key] == sorted(s for _m, subject, s, _st in rows if subject == key)
    for key in {subject for _m, subject, _s, _st in rows}
)
echoes = Counter(AuditEvent.objects.filter(action="exchange.test_echo", after__subject__startswith="killed-")
                 .values_list("object_id", flat=True))
result = {"ids": sorted(str(m) for m, _su, _s, _st in rows), "states": sorted({st for *_r, st in rows}),
          "in_order": in_order, "echoes": sum(echoes.values()), "echoed_twice": sum(1 for n in echoes.values() if n > 1)}
"""


@pytest.fixture(scope="module")
def quiet_pair(
    tmp_path_factory: pytest.TempPathFactory, exchange_template: Path
) -> Iterator[tuple[Instance, Instance]]:
    """A pair of its own that sends only when asked (nothing right after the commit)."""
    with loopback_pair(
        tmp_path_factory.mktemp("killed-sender"),
        extra_env={"JISHENG_EXCHANGE_SEND_ON_COMMIT": "0"},
        template_db=exchange_template,
    ) as pair:
        yield pair


def outbox_states(instance: Instance) -> dict[str, int]:
    """The outbox's messages by state, read from the instance's database file while it works."""
    for _ in range(100):
        try:
            with sqlite3.connect(f"file:{instance.data_dir / 'jisheng.sqlite3'}?mode=ro", uri=True) as db:
                return dict(db.execute("SELECT state, count(*) FROM exchange_outboxmessage GROUP BY state"))
        except sqlite3.OperationalError:  # locked by a writer for a moment
            time.sleep(0.05)
    raise AssertionError("the outbox could not be read")


def inbox_count(instance: Instance) -> int:
    with sqlite3.connect(f"file:{instance.data_dir / 'jisheng.sqlite3'}?mode=ro", uri=True) as db:
        return int(db.execute("SELECT count(*) FROM exchange_inboxmessage").fetchone()[0])


def jobs_left(instance: Instance) -> int:
    with sqlite3.connect(f"file:{instance.data_dir / 'jisheng.sqlite3'}?mode=ro", uri=True) as db:
        return int(
            db.execute(
                "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status IN ('READY', 'RUNNING')"
            ).fetchone()[0]
        )


def start_worker(instance: Instance, **env: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "jisheng", "worker", "--interval", "0.2"],
        env={**instance.env, **env},
        stdout=(instance.data_dir / "worker.log").open("ab"),
        stderr=subprocess.STDOUT,
    )


def wait_for(condition: Callable[[], bool], *, what: str, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def reached(instance: Instance, task_id: str) -> str:
    try:
        return (instance.data_dir / "jobs" / "progress" / task_id).read_text()
    except OSError:
        return ""


def kill_mid_send(henan: Instance) -> None:
    """Queue the sending as the scheduler does and start a worker told to wait once the peer has answered
    for a batch (it applied it) and before the receipts are recorded here, the next batch posted
    meanwhile; kill it -9 there."""
    queued = henan.command("exchange-send", "--queue", "--now")
    task_id = queued.split()[-1]
    worker = start_worker(henan, JISHENG_JOB_PAUSE_AT=ANSWERED, JISHENG_JOB_PAUSE_SECONDS="120")
    try:
        wait_for(
            lambda: reached(henan, task_id) == ANSWERED or worker.poll() is not None,
            what="the peer's answer for a batch",
        )
        assert worker.poll() is None, (henan.data_dir / "worker.log").read_text()[-3000:]
        worker.send_signal(signal.SIGKILL)
    finally:
        worker.kill()
        worker.wait()


def test_a_sender_killed_mid_batch_leaves_every_message_applied_once_at_the_peer_and_none_claimed(
    quiet_pair: tuple[Instance, Instance],
) -> None:
    henan, guangdong = quiet_pair
    assert henan.shell_json(QUEUE.format(count=MESSAGES, subjects=SUBJECTS)) == MESSAGES
    sent = henan.shell_json(SENT)

    kill_mid_send(henan)
    stuck = outbox_states(henan)
    assert stuck.get("acked", 0) == 0 and stuck.get("sending", 0) >= BATCH_SIZE, stuck
    # The peer applied the batch (and maybe the one posted after it) the dead worker never recorded.
    wait_for(lambda: inbox_count(guangdong) >= BATCH_SIZE, what="the peer to apply the batch", seconds=60)

    # A worker starts again: it queues the dead worker's job again and runs it; the dead worker's claims
    # are released at once and everything is sent.
    worker = start_worker(henan)
    try:
        wait_for(lambda: jobs_left(henan) == 0, what="the killed job to run again")
    finally:
        worker.terminate()
        worker.wait(30)
    assert outbox_states(henan) == {"acked": MESSAGES}

    arrived = guangdong.shell_json(ARRIVED)
    assert arrived["ids"] == sent  # every message arrived, none lost, none twice
    assert arrived["states"] == ["applied"] and arrived["in_order"]
    assert arrived["echoes"] == MESSAGES and arrived["echoed_twice"] == 0  # each applied once
    henan.command("audit-verify")
    guangdong.command("audit-verify")
