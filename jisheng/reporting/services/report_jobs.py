"""Report compilation and approval as queued jobs (``ReportJob``; the work is in ``jisheng.reporting.jobs``)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.models import staff_user
from jisheng.areas.models import Area, Level
from jisheng.audit import services as audit
from jisheng.core.actor import Actor

from .. import queries
from ..models import Report, ReportForm, ReportJob
from ..periods import Period
from .reports import _require


@transaction.atomic(durable=True)
def report_job_start(
    *,
    kind: str,
    by: Actor,
    form: ReportForm | None = None,
    period: Period | None = None,
    area: Area | None = None,
    report: Report | None = None,
    explanation: str = "",
    language: str = "zh-hans",
) -> ReportJob:
    """Queue a compilation (``kind`` "compile": form, period, area) or an approval ("approve": a
    submitted report, with the explanation) for ``jisheng worker``. The same compilation or approval
    asked again while one is queued or running returns that job. Who may do it is checked now, and
    again when the job runs.

    Outermost: called by the pages and the API; the job and its queue entry are committed together."""
    if kind == ReportJob.Kind.APPROVE:
        if report is None:
            raise ValidationError(_("Say which report to approve."))
        _require(permissions.may_review_report(by, report.area_id, report.level))
        permissions.ensure_different_person(
            by, step="approve", earlier=queries.report_earlier_steps(by, report)
        )
        if report.status != Report.Status.SUBMITTED:
            raise ValidationError(_("Only a submitted report can be approved."))
        form, period_key, area = report.form, report.period_key, report.area
        open_jobs = ReportJob.objects.filter(kind=kind, report=report)
    else:
        if form is None or period is None or area is None:
            raise ValidationError(_("Say which form, period and area to compile."))
        if area.level >= Level.VILLAGE:
            raise ValidationError(_("A village fills its report; it does not compile one."))
        _require(permissions.may_fill_report(by, area.code, area.level))
        period_key = period.key
        open_jobs = ReportJob.objects.filter(kind=kind, form=form, period_key=period_key, area=area)
    job, created = ReportJob.open_or_create(
        open_jobs,
        kind=kind,
        form=form,
        period_key=period_key,
        area=area,
        report=report,
        explanation=explanation.strip(),
        created_by=staff_user(by),
    )
    if not created:
        return job
    if not getattr(settings, "JISHENG_JOBS_SYNC", False):  # tests run the job in the request
        from ..jobs import report_job_task

        job.task_id = str(report_job_task.enqueue(job.pk, language).id)
        job.save(update_fields=["task_id"])
    audit.record(by=by, action="reporting.job_start", obj=job, after={"kind": kind, "period": period_key})
    return job


@transaction.atomic(durable=True)
def report_job_update(
    *, job: ReportJob, status: str, by: Actor, message: str = "", report: Report | None = None
) -> ReportJob:
    """The job's worker (or the recovery of a dead one) records that it runs, is done or failed. An
    ended job stays ended. Outermost: called by the job (jobs.py) between its parts."""
    job = ReportJob.objects.select_for_update().get(pk=job.pk)
    if not job.is_open:
        return job
    before = {"status": job.status}
    job.status = status
    job.message = message
    if report is not None:
        job.report = report
    if status in (ReportJob.Status.DONE, ReportJob.Status.FAILED):
        job.finished_at = timezone.now()
    job.save()
    audit.record(
        by=by,
        action="reporting.job_update",
        obj=job,
        before=before,
        after={"status": status, "message": message},
    )
    return job


def report_job_cancel(*, job: ReportJob, by: Actor) -> ReportJob:
    """Stop a queued job at once, a running one at its next step (a compilation or an approval commits
    all or nothing). Only whoever started it. Outermost: called by the page."""
    from jisheng.core import jobs

    user = staff_user(by)
    if user is None or job.created_by_id != user.pk:
        raise PermissionDenied(_("Only whoever started this job can cancel it."))
    if not job.is_open:
        return job
    state = jobs.cancel(job.task_id, asked_by=str(by)) if job.task_id else ""
    if state in (jobs.FAILED, ""):
        return report_job_update(
            job=job, status=ReportJob.Status.FAILED, message=cancelled_message(by), by=by
        )
    return job


def cancelled_message(who: Actor | str) -> str:
    from jisheng.core import jobs

    return jobs.cancelled_message(who)
