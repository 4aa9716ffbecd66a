"""Benefit runs and payment exports as durable jobs (``jisheng.core.jobs``), run by ``jisheng worker``.

A page queues the job (``services.batch_job_start``: one open job per run or export) and polls its
state. The work itself is one service in one transaction (``batch_propose``, ``payments_issue``), so a
worker killed in the middle leaves nothing of it: the next worker runs it again from the start (the
batch or the payments then written once), and after ``JISHENG_JOB_ATTEMPTS`` tries the job is failed
with the reason in Chinese, never left running. Cancelling stops a queued job at once and a running one
at its next step.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import TaskContext, task

from jisheng.core import jobs
from jisheng.core.actor import System

from . import services
from .models import Batch, BatchJob

logger = logging.getLogger("jisheng.jobs")
TASK_PATH = "jisheng.benefits.jobs.batch_job_task"
WORKER = System(job="benefit worker")


@task(takes_context=True)
def batch_job_task(context: TaskContext, job_pk: int, language: str) -> str:
    """The queued run or export of one ``BatchJob`` (its path is TASK_PATH)."""
    with translation.override(language):
        run_job(job_pk, task_id=str(context.task_result.id))
    return "ok"


def run_job(job_pk: int, *, task_id: str | None = None) -> BatchJob:
    """Do the job's work as the person who asked for it; end the job done or failed with the reason."""
    from jisheng.accounts.models import User

    job = BatchJob.objects.select_related("batch", "area").get(pk=job_pk)
    if not job.is_open:
        return job
    user = User.objects.select_related("area").get(pk=job.created_by_id)
    job = services.batch_job_update(job=job, status=BatchJob.Status.RUNNING, by=WORKER)

    def progress(point: str, **counts: Any) -> None:
        jobs.checkpoint(task_id, point, **counts)

    try:
        progress("start")
        batch: Batch
        if job.kind == BatchJob.Kind.PROPOSE:
            batch = services.batch_propose(
                programme_id=job.programme_id, year=job.year, area=job.area, by=user, progress=progress
            )
            done = _("Batch proposed: %(count)s lines, %(total)s yuan.") % {
                "count": batch.lines.count(),
                "total": batch.total,
            }
        else:
            assert job.batch is not None
            payments = services.payments_issue(batch=job.batch, by=user, progress=progress)
            batch = job.batch
            done = _("Bank file prepared: %(count)s payments.") % {"count": len(payments)}
        return services.batch_job_update(
            job=job, status=BatchJob.Status.DONE, message=done, batch=batch, by=WORKER
        )
    except Exception as exc:  # the job ends visibly whatever went wrong; the detail is in the log
        if isinstance(exc, jobs.JobCancelled):
            jobs.forget_cancel(task_id)
        elif not isinstance(exc, (ValidationError, PermissionDenied)):
            logger.exception("benefit job %s failed", job_pk)
        message = jobs.failure_message(exc, who=user, not_allowed=_("Not allowed."))
    return services.batch_job_update(job=job, status=BatchJob.Status.FAILED, message=message, by=WORKER)


@jobs.on_abandoned(TASK_PATH)
def _abandoned(args: list[Any], kwargs: dict[str, Any], reason: str) -> None:
    job = BatchJob.objects.filter(pk=int(args[0] if args else kwargs["job_pk"])).first()
    if job is not None and job.is_open:
        services.batch_job_update(
            job=job, status=BatchJob.Status.FAILED, message=jobs.abandoned_reason(jobs.attempts()), by=WORKER
        )
