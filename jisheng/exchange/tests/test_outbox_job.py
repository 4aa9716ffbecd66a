"""Sending the outbox is a job of ``jisheng worker``: queued once however often it is asked while one
waits, it sends through the sending service, every message ends acknowledged (none left "sending"),
and the job notes how many messages were answered."""

from types import SimpleNamespace
from typing import Any

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
    context: Any = SimpleNamespace(task_result=SimpleNamespace(id=task_id))  # what the worker passes
    result = jobs.outbox_send_task.func(context)
    assert result["acknowledged"] == 3 and result["failed"] == 0
    assert sorted(fake_peer.posted) == [("p-0", 1), ("p-1", 1), ("p-2", 1)]
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {OutboxState.ACKNOWLEDGED}
    assert core_jobs.progress_text(task_id) == "已发送 3/3 条报文"


def test_the_scheduler_queues_the_sending_as_a_job_once_while_one_waits(peer):
    from io import StringIO

    from django.core.management import call_command

    from jisheng.exchange.apps import ExchangeConfig

    assert ("exchange-send --queue", 1) in ExchangeConfig.periodic_commands
    out = StringIO()
    for _tick in range(3):  # the scheduler's ticks while no worker has taken the job yet
        call_command("exchange-send", "--queue", stdout=out)
    assert DBTaskResult.objects.filter(task_path=jobs.TASK_PATH).count() == 1
    assert "已排队发送任务" in out.getvalue()


def test_sending_failed_messages_again_from_the_peer_page_queues_a_sending_to_that_peer(
    areas, make_user, client_for, peer
):
    from django.urls import reverse

    from jisheng.accounts.roles import RoleCode

    from .test_pages import queue

    queue(2)
    OutboxMessage.objects.update(state=OutboxState.FAILED)
    county = client_for(make_user(areas["county"], RoleCode.COUNTY_STAFF))
    response = county.post(reverse("exchange:peer_retry", args=[peer.code]))
    assert response.status_code == 302
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {OutboxState.PENDING}
    queued = DBTaskResult.objects.get(task_path=jobs.TASK_PATH)
    assert queued.args_kwargs["kwargs"] == {"peer_code": peer.code, "ignore_backoff": True}
