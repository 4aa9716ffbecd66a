"""Benefit runs and payment exports as queued jobs (``BatchJob``; the work is in ``jisheng.benefits.jobs``)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.models import staff_user
from jisheng.accounts.permissions import Capability, ensure_different_person
from jisheng.areas.models import Area
from jisheng.audit.services import model_snapshot, record
from jisheng.core.actor import Actor

from ..models import (
    Batch,
    BatchJob,
)
from ..rules import get_programme
from .batches import _expect, _locked


@transaction.atomic(durable=True)
def batch_job_start(
    *,
    kind: str,
    by: Actor,
    programme_id: str = "",
    year: int = 0,
    area: Area | None = None,
    batch: Batch | None = None,
    language: str = "zh-hans",
) -> BatchJob:
    """Queue a benefit run (``kind`` "propose": programme, year, area) or a payment export ("export":
    an approved batch) for ``jisheng worker``. The same run or export asked again while one is queued or
    running returns that job, so twenty identical requests make one job (and one batch). Who may do
    it is checked now, and again when the job runs.

    Outermost: called by the pages and the API; the job and its queue entry are committed together."""
    if kind == BatchJob.Kind.EXPORT:
        if batch is None:
            raise ValidationError(_("Say which batch to pay."))
        batch = _locked(batch)
        permissions.ensure(by, Capability.PAY_BATCH, batch.area_id)
        _expect(batch, Batch.Status.APPROVED, Batch.Status.PAYING)
        ensure_different_person(by, step="issue", earlier={"approve": batch.approved_by})
        area, programme_id, year = batch.area, batch.programme_id, batch.year
        open_jobs = BatchJob.objects.filter(kind=kind, batch=batch)
    else:
        if area is None:
            raise ValidationError(_("Say which area to run the programme for."))
        permissions.ensure(by, Capability.PROPOSE_BATCH, area.code)
        try:
            programme_id = get_programme(programme_id).id
        except KeyError as exc:
            raise ValidationError(_("No such programme.")) from exc
        if not 1949 <= year <= 2100:
            raise ValidationError(_("“Year”: %(year)s is not a year.") % {"year": year})
        open_jobs = BatchJob.objects.filter(kind=kind, programme_id=programme_id, area=area, year=year)
    job, created = BatchJob.open_or_create(
        open_jobs,
        kind=kind,
        programme_id=programme_id,
        year=year,
        area=area,
        batch=batch,
        created_by=staff_user(by),
    )
    if not created:
        return job
    if not getattr(settings, "JISHENG_JOBS_SYNC", False):  # tests run the job in the request
        from ..jobs import batch_job_task

        job.task_id = str(batch_job_task.enqueue(job.pk, language).id)
        job.save(update_fields=["task_id"])
    record(by=by, action="benefits.batch_job_start", obj=job, after=model_snapshot(job))
    return job


@transaction.atomic(durable=True)
def batch_job_update(
    *, job: BatchJob, status: str, by: Actor, message: str = "", batch: Batch | None = None
) -> BatchJob:
    """The job's worker (or the recovery of a dead one) records that it runs, is done or failed.
    An ended job stays ended. Outermost: called by the job (jobs.py) between its parts."""
    job = BatchJob.objects.select_for_update().get(pk=job.pk)
    if not job.is_open:
        return job
    before = model_snapshot(job)
    job.status = status
    job.message = message
    if batch is not None:
        job.batch = batch
    if status in (BatchJob.Status.DONE, BatchJob.Status.FAILED):
        job.finished_at = timezone.now()
    job.save()
    record(by=by, action="benefits.batch_job_update", obj=job, before=before, after=model_snapshot(job))
    return job


def batch_job_cancel(*, job: BatchJob, by: Actor) -> BatchJob:
    """Stop a queued job at once, a running one at its next step (what it committed stays; a run or an
    export commits all or nothing). Only whoever started it. Outermost: called by the page."""
    from jisheng.core import jobs

    user = staff_user(by)
    if user is None or job.created_by_id != user.pk:
        raise PermissionDenied(_("Only whoever started this job can cancel it."))
    if not job.is_open:
        return job
    state = jobs.cancel(job.task_id, asked_by=str(by)) if job.task_id else ""
    if state in (jobs.FAILED, ""):
        return batch_job_update(job=job, status=BatchJob.Status.FAILED, message=cancelled_message(by), by=by)
    return job


def cancelled_message(who: Actor | str) -> str:
    from jisheng.core import jobs

    return jobs.cancelled_message(who)
