"""Reports, submissions and indicators over the API; the same services and scoping as the pages.

Compiling a report and approving one are durable jobs of ``jisheng worker``, as on the pages: the API
queues the job and answers 202 with the job and its ``status_url`` (``GET /jobs/{id}``: state, the
part reached, the reason of a failure); the same request again while the job is open answers the same
job."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
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

from . import clock, definitions, jobs, queries, services
from .models import Report, ReportForm, ReportJob
from .periods import Period, containing, parse

router = Router(tags=["reporting"])


class ReportOut(Schema):
    id: int
    form: str
    period: str
    area: str
    area_name: str
    status: str
    late: bool
    due_date: date
    submitted_at: datetime | None
    approved_at: datetime | None
    values: dict[str, Any]
    registry_values: dict[str, Any]
    findings: list[dict[str, Any]]
    return_comment: str
    explanation: str


def _out(report: Report) -> dict[str, Any]:
    return {
        "id": report.pk,
        "form": report.form.code,
        "period": report.period_key,
        "area": report.area_id,
        "area_name": report.area.name,
        "status": report.status,
        "late": report.late,
        "due_date": report.due_date,
        "submitted_at": report.submitted_at,
        "approved_at": report.approved_at,
        "values": report.values,
        "registry_values": report.registry_values,
        "findings": report.findings,
        "return_comment": report.return_comment,
        "explanation": report.explanation,
    }


def _call(action: Callable[[], Report]) -> dict[str, Any]:
    try:
        return _out(action())
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or "forbidden") from exc
    except ValidationError as exc:
        raise HttpError(400, "；".join(exc.messages)) from exc


def _report(request: HttpRequest, report_id: int) -> Report:
    return get_visible_or_404(Report.objects.select_related("form", "area"), request.user, pk=report_id)


def _form(code: str, *, changed_by: Any = None) -> ReportForm:
    """The form to read (the policy file before forms are stored); for a change by ``changed_by``, the
    stored form, loading the forms first if nobody has yet (a read never stores them)."""
    if changed_by is not None and not ReportForm.objects.exists():
        services.forms_load(by=changed_by)
    form = ReportForm.objects.filter(code=code).first() if changed_by else queries.form_for_reading(code)
    if form is None:
        raise HttpError(404, _("Unknown report form %(code)s") % {"code": code[:40]})
    return form


def _period(key: str, period_type: str) -> Period:
    try:
        period = parse(key) if key else containing(period_type, clock.today())
    except ValidationError as exc:
        raise HttpError(400, "；".join(exc.messages)) from exc
    if period.type != period_type:
        raise HttpError(
            400,
            _("Period %(key)s does not fit the form's period type %(type)s")
            % {"key": key[:16], "type": period_type},
        )
    return period


def _area(request: HttpRequest, code: str) -> Area:
    user: Any = request.user
    if not code:
        return user.area
    area: Area | None = visible_area(user, code)
    if area is None:
        raise HttpError(404, _("No such area, or it is outside your area."))
    return area


@router.get("/reports", response=list[ReportOut])
def report_list(
    request: HttpRequest, form: str = "", period: str = "", status: str = ""
) -> list[dict[str, Any]]:
    reports = Report.objects.visible_to(request.user).select_related("form", "area")
    if form:
        reports = reports.filter(form__code=form)
    if period:
        reports = reports.filter(period_key=period)
    if status:
        reports = reports.filter(status=status)
    return [_out(report) for report in reports[:500]]


@router.get("/reports/{report_id}", response=ReportOut)
def report_get(request: AuthenticatedHttpRequest, report_id: int) -> dict[str, Any]:
    return _out(_report(request, report_id))


class OpenIn(Schema):
    form: str = "village_month"
    period: str = ""


@router.post("/reports", response=ReportOut)
def report_open(request: AuthenticatedHttpRequest, payload: OpenIn) -> dict[str, Any]:
    user: Any = request.user
    form = _form(payload.form, changed_by=user)
    period = _period(payload.period, form.period_type)
    return _call(lambda: services.report_open(form=form, period=period, area=user.area, by=user))


class ValuesIn(Schema):
    values: dict[str, Any]


@router.put("/reports/{report_id}/values", response=ReportOut)
def report_values(request: AuthenticatedHttpRequest, report_id: int, payload: ValuesIn) -> dict[str, Any]:
    report = _report(request, report_id)
    return _call(lambda: services.report_save_values(report=report, values=payload.values, by=request.user))


@router.post("/reports/{report_id}/submit", response=ReportOut)
def report_submit(request: AuthenticatedHttpRequest, report_id: int) -> dict[str, Any]:
    report = _report(request, report_id)
    return _call(lambda: services.report_submit(report=report, by=request.user))


@router.post("/reports/{report_id}/verify", response=ReportOut)
def report_verify(request: AuthenticatedHttpRequest, report_id: int) -> dict[str, Any]:
    report = _report(request, report_id)
    return _call(lambda: services.report_verify(report=report, by=request.user))


class DecisionIn(Schema):
    text: str = ""


class JobOut(Schema):
    id: int
    kind: str
    status: str
    message: str
    advice: str
    progress: str
    reached: str
    form: str
    period: str
    area: str
    report: int | None
    status_url: str


def _job_out(job: ReportJob) -> dict[str, Any]:
    return {
        **job.state_fields(),
        "form": job.form.code,
        "period": job.period_key,
        "area": job.area_id,
        "report": job.report_id,
        "status_url": reverse("api:reporting_job", kwargs={"job_id": job.pk}),
    }


def _queue(request: AuthenticatedHttpRequest, status: int, **what: Any) -> Status:
    """Queue the job as the page does (tests run it in the request); 202 with the job."""
    try:
        job = services.report_job_start(
            by=request.user, language=translation.get_language() or "zh-hans", **what
        )
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or _("You may not do this with this report.")) from exc
    except ValidationError as exc:
        raise HttpError(status, "；".join(exc.messages)) from exc
    if getattr(settings, "JISHENG_JOBS_SYNC", False) and job.is_open:
        job = jobs.run_job(job.pk)
    return Status(202, _job_out(ReportJob.objects.select_related("form").get(pk=job.pk)))


@router.post("/reports/{report_id}/approve", response={202: JobOut})
def report_approve(request: AuthenticatedHttpRequest, report_id: int, payload: DecisionIn) -> Status:
    """Queue the approval (and locking) of a submitted report: 202 with the job (follow ``status_url``)."""
    report = _report(request, report_id)
    return _queue(request, 409, kind=ReportJob.Kind.APPROVE, report=report, explanation=payload.text)


@router.post("/reports/{report_id}/return", response=ReportOut)
def report_return(request: AuthenticatedHttpRequest, report_id: int, payload: DecisionIn) -> dict[str, Any]:
    report = _report(request, report_id)
    return _call(lambda: services.report_return(report=report, comment=payload.text, by=request.user))


@router.post("/reports/{report_id}/unlock", response=ReportOut)
def report_unlock(request: AuthenticatedHttpRequest, report_id: int, payload: DecisionIn) -> dict[str, Any]:
    report = _report(request, report_id)
    return _call(lambda: services.report_unlock(report=report, reason=payload.text, by=request.user))


class CompileIn(Schema):
    form: str = "village_month"
    period: str = ""


@router.post("/compile", response={202: JobOut})
def report_compile(request: AuthenticatedHttpRequest, payload: CompileIn) -> Status:
    """Queue the compilation of the caller's area's report from the approved reports below: 202 with
    the job (follow ``status_url``; the report is the job's ``report`` once it is done)."""
    user: Any = request.user
    form = _form(payload.form, changed_by=user)
    period = _period(payload.period, form.period_type)
    return _queue(request, 400, kind=ReportJob.Kind.COMPILE, form=form, period=period, area=user.area)


@router.get("/jobs/{job_id}", response=JobOut, url_name="reporting_job")
def job_detail(request: HttpRequest, job_id: int) -> dict[str, Any]:
    """A compilation's or approval's state, the part reached and, when it failed, why."""
    return _job_out(get_visible_or_404(ReportJob.objects.select_related("form"), request.user, pk=job_id))


@router.post("/jobs/{job_id}/cancel", response=JobOut)
def job_cancel(request: AuthenticatedHttpRequest, job_id: int) -> dict[str, Any]:
    """Stop a queued job at once, a running one at its next step (only whoever started it)."""
    job = get_visible_or_404(ReportJob.objects.select_related("form"), request.user, pk=job_id)
    try:
        services.report_job_cancel(job=job, by=request.user)
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from exc
    return _job_out(ReportJob.objects.select_related("form").get(pk=job.pk))


@router.get("/submissions")
def submissions(
    request: HttpRequest, form: str = "village_month", period: str = "", area: str = ""
) -> dict[str, Any]:
    """The areas directly below ``area``: who has submitted, late, approved; and completeness by area."""
    report_form = _form(form)
    the_period = _period(period, report_form.period_type)
    the_area = _area(request, area)
    rows = queries.submissions(report_form, the_period, the_area)
    return {
        "form": report_form.code,
        "period": the_period.key,
        "area": the_area.code,
        "areas": [
            {
                "area": row["area"].code,
                "name": row["area"].name,
                "report": row["report"].pk if row["report"] else None,
                "status": row["report"].status if row["report"] else None,
                "late": bool(row["report"] and row["report"].late),
                "high_findings": row["high_findings"],
            }
            for row in rows
        ],
        "completeness": [
            {key: (value.code if key == "area" else value) for key, value in row.items()}
            for row in queries.completeness(report_form, the_period, the_area)
        ],
    }


@router.get("/indicators/{code}")
def indicator(
    request: AuthenticatedHttpRequest, code: str, period: str = "", area: str = ""
) -> dict[str, Any]:
    """An indicator live from the registry and from the approved report, for an area and month."""
    found = definitions.indicators().get(code)
    if found is None:
        raise HttpError(404, _("Unknown indicator %(code)s") % {"code": code})
    form = _form("village_month")
    the_period = _period(period, "month")
    the_area = _area(request, area)
    live = queries.indicator_result(found, queries.live_figures(form, the_period, the_area))
    reported_figures = queries.reported_figures(form, the_period, the_area)
    reported = queries.indicator_result(found, reported_figures) if reported_figures else None
    return {
        "period": the_period.key,
        "area": the_area.code,
        "live": live.as_dict() if found.source == "registry" else None,
        "reported": reported.as_dict() if reported else None,
    }
