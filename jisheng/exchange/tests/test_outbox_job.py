"""Sending the outbox is a job of ``jisheng worker``: queued once however often it is asked while one
waits, it sends through the sending service, every message ends acknowledged (none left "sending"),
and the job notes how many messages were answered."""

from types import SimpleNamespace

import pytest
from django_tasks_db.models import DBTaskResult

from jisheng.core import jobs as core_jobs
from jisheng.exchange import jobs
from jisheng.exchange.models import OutboxMessage, OutboxState

from .test_outbox import fake_peer, send  # noqa: F401  (the fixture is used by name)

pytestmark = pytest.mark.django_db


def test_a_sending_asked_twenty_times_while_one_waits_is_queued_once(peer):
    ids = {jobs.outbox_send_queue() for _ in range(20)}
    assert len(ids) == 1 and DBTaskResult.objects.filter(task_path=jobs.TASK_PATH).count() == 1
    assert jobs.outbox_send_queue(peer_code=peer.code) not in ids  # another peer's sending is its own job


def test_the_job_sends_every_due_message_once_and_leaves_none_sending(peer, fake_peer):  # noqa: F811
    for n in range(3):
        send(subject=f"p-{n}")
    task_id = jobs.outbox_send_queue()
    result = jobs.outbox_send_task.func(SimpleNamespace(task_result=SimpleNamespace(id=task_id)))
    assert result["acknowledged"] == 3 and result["failed"] == 0
    assert sorted(fake_peer.posted) == [("p-0", 1), ("p-1", 1), ("p-2", 1)]
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {OutboxState.ACKNOWLEDGED}
    assert core_jobs.progress_text(task_id) == "已发送 3/3 条报文"
