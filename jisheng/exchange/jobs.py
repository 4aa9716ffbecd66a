"""Sending the exchange outbox as a durable job of ``jisheng.core.jobs``, run by ``jisheng worker``.

``outbox_send_queue`` queues one sending (to one peer, or to every peer) unless one is already waiting
in the queue for the same peer, so a page clicked twenty times or a scheduler tick while the last one
waits adds nothing. The job calls the sending service, ``services.outbox_send``, which is what makes a
kill harmless: it claims each batch of messages (state "sending", its own short statement) before it
posts them and records the receipts after, in one transaction; a worker killed in between leaves the
batch claimed until the next sending on the same host sees that the claim's process is gone (the claim
token names it), or, from another host, until the claim is stale (``services.STALE_AFTER``); that
sending claims and posts it again, and the peer answers a message it has already applied with the same
receipt, so each message is applied once there. A job whose worker died is queued again by ``jisheng.core.jobs``
(nothing of the domain to mark failed: the outbox itself records each message's state).

What this module relies on in the sending service: ``outbox_send(by=, peer_code=, ignore_backoff=,
progress=)`` (``progress`` is the job's checkpoint: a fault test waits at ``outbox_send:batch_answered``)
returning a result with ``acknowledged``, ``refused``, ``retry``, ``failed`` and ``peers_down``.
"""

from __future__ import annotations

from typing import Any

from django_tasks import TaskContext, task
from django_tasks_db.models import DBTaskResult

from jisheng.core import jobs
from jisheng.core.actor import System

from . import services

TASK_PATH = "jisheng.exchange.jobs.outbox_send_task"
WORKER = System(job="exchange sender")


@task(takes_context=True)
def outbox_send_task(
    context: TaskContext, peer_code: str = "", ignore_backoff: bool = False
) -> dict[str, Any]:
    """Send what is due (to ``peer_code``, or to every peer); its path is TASK_PATH."""
    task_id = str(context.task_result.id)
    jobs.checkpoint(task_id, "outbox_send:start")
    result = services.outbox_send(
        by=WORKER,
        peer_code=peer_code or None,
        ignore_backoff=ignore_backoff,
        progress=lambda point: jobs.checkpoint(task_id, point),
    )
    answered = result.acknowledged + result.refused
    jobs.checkpoint(
        task_id,
        "outbox_send:done",
        done=answered,
        total=answered + result.retry + result.failed,
        unit="messages",
    )
    return {
        "acknowledged": result.acknowledged,
        "refused": result.refused,
        "retry": result.retry,
        "failed": result.failed,
        "peers_down": list(result.peers_down),
    }


def outbox_send_queue(*, peer_code: str = "", ignore_backoff: bool = False) -> str:
    """Queue a sending unless one for the same peer is already waiting; returns the job's id."""
    for waiting in DBTaskResult.objects.filter(task_path=TASK_PATH, status=jobs.READY).only(
        "id", "args_kwargs"
    ):
        kwargs = dict(waiting.args_kwargs.get("kwargs", {}))
        if kwargs.get("peer_code", "") == peer_code and bool(kwargs.get("ignore_backoff")) == ignore_backoff:
            return str(waiting.pk)
    return str(outbox_send_task.enqueue(peer_code=peer_code, ignore_backoff=ignore_backoff).id)
