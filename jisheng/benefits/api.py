"""API of the benefit process: runs (nothing saved), batches and the decisions on them.

Every operation reads through ``visible_to(request.user)`` and changes through services, like the pages.
Proposing a batch and paying one (the bank file's payments) are durable jobs of ``jisheng worker``, as
on the pages: the API queues the job and answers 202 with the job and its ``status_url``
(``GET /jobs/{id}``: state, the part reached, the reason of a failure); the same request again while
the job is open answers the same job.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from jisheng.accounts.http import AuthenticatedHttpRequest
from jisheng.areas.models import Area
from jisheng.areas.scoping import get_visible_or_404, visible_area

from . import engine, jobs, services
from .models import Batch, BatchJob
from .rules import get_programme, programmes

router = Router(tags=["benefits"])


class RunIn(Schema):
    programme: str
    year: int
    area: str


class BatchIn(RunIn):
    pass


class DecisionIn(Schema):
    step: str  # notice | review | approve | pay
    accept: bool = True
    reason: str = ""
    days: int | None = None


def _batch_out(batch: Batch) -> dict[str, Any]:
    return {
        "id": batch.pk,
        "programme": batch.programme_id,
        "name": batch.programme_name,
        "version": batch.version,
        "year": batch.year,
        "area": batch.area_id,
        "status": batch.status,
        "total": f"{batch.total:.2f}",
        "notice_start": batch.notice_start,
        "notice_end": batch.notice_end,
    }


def _area_for(request: HttpRequest, code: str) -> Area:
    area: Area | None = visible_area(request.user, code)
    if area is None:
        raise HttpError(404, _("No such area, or it is outside your area."))
    return area


@router.get("/programmes")
def programme_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "id": p.id,
            "name": p.name,
            "region": p.region,
            "source": p.source,
            "versions": [v.version for v in p.versions],
        }
        for p in programmes().values()
    ]


@router.post("/runs")
def run(request: HttpRequest, payload: RunIn) -> dict[str, Any]:
    """Propose beneficiaries over an area of the caller's; nothing is saved."""
    area = _area_for(request, payload.area)
    try:
        result = engine.run(get_programme(payload.programme), payload.year, area.code)
    except (KeyError, ValueError) as exc:
        raise HttpError(400, str(exc)) from exc
    return {
        "programme": payload.programme,
        "version": result.version.version,
        "persons": len(result.proposals),
        "households": result.households,
        "total": f"{result.total:.2f}",
        "proposals": [
            {
                "id_number": d.subject.id_number,
                "name": d.subject.name,
                "amount": f"{d.amount:.2f}",
                "reasons": d.reasons,
            }
            for d in result.proposals
        ],
        "near_misses": [
            {"id_number": d.subject.id_number, "name": d.subject.name, "near": d.near}
            for d in result.near_misses
        ],
    }


@router.get("/batches")
def batch_list(request: HttpRequest, status: str = "") -> list[dict[str, Any]]:
    batches = Batch.objects.visible_to(request.user)
    if status:
        batches = batches.filter(status=status)
    return [_batch_out(b) for b in batches[:500]]


@router.get("/batches/{batch_id}")
def batch_detail(request: HttpRequest, batch_id: int) -> dict[str, Any]:
    batch = get_visible_or_404(Batch.objects.all(), request.user, pk=batch_id)
    lines = batch.lines.all()
    return {
        **_batch_out(batch),
        "lines": [
            {
                "id": line.pk,
                "name": line.name,
                "id_number": line.id_number,
                "amount": f"{line.amount:.2f}",
                "status": line.status,
                "reasons": line.reasons.splitlines(),
            }
            for line in lines
        ],
    }


class JobOut(Schema):
    id: int
    kind: str
    status: str
    message: str
    advice: str
    progress: str
    reached: str
    programme: str
    year: int
    area: str
    batch: int | None
    status_url: str


def _job_out(job: BatchJob) -> dict[str, Any]:
    return {
        **job.state_fields(),
        "programme": job.programme_id,
        "year": job.year,
        "area": job.area_id,
        "batch": job.batch_id,
        "status_url": reverse("api:benefits_job", kwargs={"job_id": job.pk}),
    }


def _queue(request: AuthenticatedHttpRequest, status: int, **what: Any) -> Status:
    """Queue the job as the page does (tests run it in the request); 202 with the job."""
    try:
        job = services.batch_job_start(
            by=request.user, language=translation.get_language() or "zh-hans", **what
        )
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or _("You may not do this.")) from exc
    except ValidationError as exc:
        raise HttpError(status, "；".join(exc.messages)) from exc
    if getattr(settings, "JISHENG_JOBS_SYNC", False) and job.is_open:
        job = jobs.run_job(job.pk)
    return Status(202, _job_out(job))


@router.post("/batches", response={202: JobOut})
def batch_create(request: AuthenticatedHttpRequest, payload: BatchIn) -> Status:
    """Queue a benefit run that keeps its proposals as a batch: 202 with the job (follow
    ``status_url``; the batch is the job's ``batch`` once it is done)."""
    area = _area_for(request, payload.area)
    return _queue(
        request, 400, kind=BatchJob.Kind.PROPOSE, programme_id=payload.programme, year=payload.year, area=area
    )


@router.get("/jobs/{job_id}", response=JobOut, url_name="benefits_job")
def job_detail(request: HttpRequest, job_id: int) -> dict[str, Any]:
    """A benefit run's or payment export's state, the part reached and, when it failed, why."""
    return _job_out(get_visible_or_404(BatchJob.objects.all(), request.user, pk=job_id))


@router.post("/jobs/{job_id}/cancel", response=JobOut)
def job_cancel(request: AuthenticatedHttpRequest, job_id: int) -> dict[str, Any]:
    """Stop a queued job at once, a running one at its next step (only whoever started it)."""
    job = get_visible_or_404(BatchJob.objects.all(), request.user, pk=job_id)
    try:
        job = services.batch_job_cancel(job=job, by=request.user)
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from exc
    job.refresh_from_db()
    return _job_out(job)


@router.post("/batches/{batch_id}/decisions", response={200: dict[str, Any], 202: JobOut})
def batch_decide(
    request: AuthenticatedHttpRequest, batch_id: int, payload: DecisionIn
) -> dict[str, Any] | Status:
    """One step of the process: notice, review or approve (200 with the batch), or pay: the payment
    export (the bank file's payments) is queued as a job, 202 with the job."""
    batch = get_visible_or_404(Batch.objects.all(), request.user, pk=batch_id)
    by = request.user
    if payload.step == "pay":
        return _queue(request, 409, kind=BatchJob.Kind.EXPORT, batch=batch)
    try:
        if payload.step == "notice":
            batch = services.batch_start_notice(batch=batch, days=payload.days, by=by)
        elif payload.step == "review":
            batch = services.batch_review(batch=batch, accept=payload.accept, reason=payload.reason, by=by)
        elif payload.step == "approve":
            batch = services.batch_approve(batch=batch, accept=payload.accept, reason=payload.reason, by=by)
        else:
            raise HttpError(400, _("step must be notice, review, approve or pay"))
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or _("You may not do this.")) from exc
    except ValidationError as exc:
        raise HttpError(409, "；".join(exc.messages)) from exc
    return _batch_out(batch)
