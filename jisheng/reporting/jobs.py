"""Report compilation and approval as durable jobs (``jisheng.core.jobs``), run by ``jisheng worker``.

A page queues the job (``services.report_job_start``: one open job per compilation or approval) and
follows it. The work is one service in one transaction (``report_compile``, ``report_approve``), so a
worker killed in the middle leaves the report as it was; the next worker runs the job again from the
start, and after ``JISHENG_JOB_ATTEMPTS`` tries the job is failed with the reason in Chinese, never
left running. Cancelling stops a queued job at once and a running one at its next step.
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
from .models import Report, ReportJob
from .periods import parse

logger = logging.getLogger("jisheng.jobs")
TASK_PATH = "jisheng.reporting.jobs.report_job_task"
WORKER = System(job="report worker")


@task(takes_context=True)
def report_job_task(context: TaskContext, job_pk: int, language: str) -> str:
    """The queued compilation or approval of one ``ReportJob`` (its path is TASK_PATH)."""
    with translation.override(language):
        run_job(job_pk, task_id=str(context.task_result.id))
    return "ok"


def run_job(job_pk: int, *, task_id: str | None = None) -> ReportJob:
    """Do the job's work as the person who asked for it; end the job done or failed with the reason."""
    from jisheng.accounts.models import User

    job = ReportJob.objects.select_related("form", "area", "report").get(pk=job_pk)
    if not job.is_open:
        return job
    user = User.objects.select_related("area").get(pk=job.created_by_id)
    job = services.report_job_update(job=job, status=ReportJob.Status.RUNNING, by=WORKER)

    def progress(point: str, **counts: Any) -> None:
        jobs.checkpoint(task_id, point, **counts)

    try:
        progress("start")
        report: Report
        if job.kind == ReportJob.Kind.APPROVE:
            assert job.report is not None
            report = services.report_approve(
                report=Report.objects.select_related("form", "area").get(pk=job.report.pk),
                explanation=job.explanation,
                by=user,
                progress=progress,
            )
            done = _("Report approved and locked.")
        else:
            report = services.report_compile(
                form=job.form, period=parse(job.period_key), area=job.area, by=user, progress=progress
            )
            done = _("Report compiled from the approved reports below.")
        return services.report_job_update(
            job=job, status=ReportJob.Status.DONE, message=done, report=report, by=WORKER
        )
    except Exception as exc:  # the job ends visibly whatever went wrong; the detail is in the log
        if isinstance(exc, jobs.JobCancelled):
            jobs.forget_cancel(task_id)
        elif not isinstance(exc, (ValidationError, PermissionDenied)):
            logger.exception("report job %s failed", job_pk)
        message = jobs.failure_message(exc, who=user, not_allowed=_("You may not do this with this report."))
    return services.report_job_update(job=job, status=ReportJob.Status.FAILED, message=message, by=WORKER)


@jobs.on_abandoned(TASK_PATH)
def _abandoned(args: list[Any], kwargs: dict[str, Any], reason: str) -> None:
    job = ReportJob.objects.filter(pk=int(args[0] if args else kwargs["job_pk"])).first()
    if job is not None and job.is_open:
        services.report_job_update(
            job=job, status=ReportJob.Status.FAILED, message=jobs.abandoned_reason(jobs.attempts()), by=WORKER
        )
