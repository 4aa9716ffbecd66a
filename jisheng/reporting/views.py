"""Pages of the report flow: my reports and the areas below me, one report, and its actions."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jisheng.accounts import permissions as capabilities
from jisheng.accounts.http import AuthenticatedHttpRequest
from jisheng.accounts.permissions import Capability
from jisheng.areas.models import Area, Level
from jisheng.areas.scoping import get_visible_or_404
from jisheng.core import jobs as core_jobs
from jisheng.core import polled
from jisheng.outreach.masking import HIDDEN_NOTE as HEALTH_HIDDEN

from . import clock, corrections, jobs, queries, services
from .measures import MEASURES, scoped_rows
from .models import Report, ReportForm, ReportJob
from .periods import Period, choices, containing, parse_or_none


def _form_and_period(request: AuthenticatedHttpRequest, data: Any = None) -> tuple[ReportForm, Period]:
    """The form and period asked for; a GET reads the forms without storing them (a view writes nothing)."""
    data = data if data is not None else request.GET
    if request.method == "POST" and not ReportForm.objects.exists():
        services.forms_load(by=request.user)
    forms = queries.forms_for_reading()
    code = data.get("form") or "village_month"
    form = next((f for f in forms if f.code == code), None) or next(
        (f for f in forms if f.code == "village_month"), forms[0]
    )
    period = parse_or_none(str(data.get("period") or ""))
    if period is None:
        period = containing(form.period_type, clock.today())
    if period.type != form.period_type:
        period = containing(form.period_type, period.start)
    return form, period


def _error_text(error: ValidationError) -> str:
    return "；".join(error.messages)


@capabilities.capability_required(Capability.READ_REPORTS)
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The village officer's report of the period; for higher levels, the areas below and their reports."""
    user: Any = request.user
    form, period = _form_and_period(request)
    area = user.area
    own = (
        Report.objects.visible_to(user).filter(form__code=form.code, period_key=period.key, area=area).first()
    )
    context = {
        "forms": queries.forms_for_reading(),
        "form": form,
        "period": period,
        "period_choices": choices(form.period_type, clock.today(), period),
        "corrections": corrections.prompts(user, form),
        "previous": period.previous(),
        "next": period.next(),
        "area": area,
        "own": own,
        "can_fill": capabilities.may_fill_report(user, area.code, area.level),
        "is_village": area.level == Level.VILLAGE,
    }
    if area.level < Level.VILLAGE:
        rows = queries.submissions(form, period, area)
        context.update(
            rows=rows,
            all_approved=bool(rows) and all(row["report"] and row["report"].is_locked for row in rows),
            completeness=queries.completeness(form, period, area),
            can_compile=capabilities.may_fill_report(user, area.code, area.level),
        )
    return render(request, "reporting/index.html", context)


@require_POST
@capabilities.capability_required(Capability.WORK_ON_REPORTS)
def open_report(request: AuthenticatedHttpRequest) -> HttpResponse:
    form, period = _form_and_period(request, request.POST)
    user: Any = request.user
    try:
        report = services.report_open(form=form, period=period, area=user.area, by=user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("reporting:index")
    return redirect("reporting:report", pk=report.pk)


@require_POST
@capabilities.capability_required(Capability.WORK_ON_REPORTS)
def compile_report(request: AuthenticatedHttpRequest) -> HttpResponse:
    form, period = _form_and_period(request, request.POST)
    user: Any = request.user
    try:
        job = _start_job(request, kind=ReportJob.Kind.COMPILE, form=form, period=period, area=user.area)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error) if isinstance(error, ValidationError) else str(error))
        return redirect(f"{reverse('reporting:index')}?form={form.code}&period={period.key}")
    if job.status == ReportJob.Status.FAILED:
        messages.error(request, job.message)
        return redirect(f"{reverse('reporting:index')}?form={form.code}&period={period.key}")
    return _after_start(job)


def _start_job(request: AuthenticatedHttpRequest, **what: Any) -> ReportJob:
    """Queue the compilation or approval for ``jisheng worker`` (run in the request in the tests)."""
    job = services.report_job_start(by=request.user, language=translation.get_language() or "zh-hans", **what)
    if getattr(settings, "JISHENG_JOBS_SYNC", False) and job.is_open:
        job = jobs.run_job(job.pk)
    return job


def _after_start(job: ReportJob) -> HttpResponse:
    """A job that ended already goes to its report; one still queued or running to its own page."""
    if job.status == ReportJob.Status.DONE and job.report_id:
        return redirect("reporting:report", pk=job.report_id)
    return redirect("reporting:job", pk=job.pk)


@capabilities.capability_required(Capability.READ_REPORTS)
def job_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A queued compilation or approval: its state, polled while it is open (htmx), and cancel."""
    job = get_visible_or_404(ReportJob.objects.select_related("area", "form", "report"), request.user, pk=pk)
    context = {
        "job": job,
        "can_cancel": job.is_open and job.created_by_id == request.user.pk,
        **core_jobs.page_context(
            job.task_id, is_open=job.is_open, failed=job.status == ReportJob.Status.FAILED
        ),
    }
    return polled.job_answer(
        request,
        page="reporting/job.html",
        card="reporting/_job.html",  # drawn whole once the job ended, with its link to the report
        context=context,
        is_open=job.is_open,
        cancel_url=reverse("reporting:job_cancel", args=[job.pk]),
    )


@require_POST
@capabilities.capability_required(Capability.WORK_ON_REPORTS)
def job_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = get_visible_or_404(ReportJob.objects.all(), request.user, pk=pk)
    try:
        services.report_job_cancel(job=job, by=request.user)
        messages.success(request, _("Cancel asked."))
    except PermissionDenied as error:
        messages.error(request, str(error))
    return redirect("reporting:job", pk=job.pk)


def _item_rows(
    report: Report, typed: dict[str, str] | None = None, errors: dict[str, list[str]] | None = None
) -> list[dict[str, Any]]:
    """The items with their figures; after a refused save, the figures as typed and each item's error."""
    rows = []
    for item in report.form.spec().items:
        value = report.values.get(item.code)
        registry = report.registry_values.get(item.code) if item.is_computed else None
        shown = "" if value is None else f"{value:g}"
        if typed is not None and item.code in typed:
            shown = typed[item.code]
        rows.append(
            {
                "item": item,
                "value": shown,
                "registry": None if registry is None else f"{registry:g}",
                "differs": registry is not None and value is not None and value != registry,
                "error": "；".join((errors or {}).get(item.code, [])),
            }
        )
    return rows


@capabilities.capability_required(Capability.READ_REPORTS)
def report_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = get_visible_or_404(Report.objects.select_related("form", "area"), request.user, pk=pk)
    return _render_report(request, report)


def _render_report(
    request: HttpRequest,
    report: Report,
    typed: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    user: Any = request.user
    context = {
        "report": report,
        "period": report.period,
        "rows": _item_rows(report, typed, errors),
        "findings": report.findings,
        "high_findings": report.high_findings(),
        "blocking": [f for f in report.findings if f.get("kind") in ("arithmetic", "children")],
        "can_fill": capabilities.may_fill_report(user, report.area_id, report.level) and report.is_editable,
        "typed": report.level == Level.VILLAGE,
        "can_review": capabilities.may_review_report(user, report.area_id, report.level),
        "may_approve": queries.may_approve(user, report),
    }
    return render(request, "reporting/report.html", context, status=status)


def _act(request: HttpRequest, pk: int, action: Any) -> HttpResponse:
    report = get_visible_or_404(Report.objects.select_related("form", "area"), request.user, pk=pk)
    try:
        action(report)
    except (ValidationError, PermissionDenied) as error:
        text = _error_text(error) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text or _("You may not do this with this report."))
    return redirect("reporting:report", pk=report.pk)


@require_POST
@capabilities.capability_required(Capability.WORK_ON_REPORTS)
def save(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = get_visible_or_404(Report.objects.select_related("form", "area"), request.user, pk=pk)
    typed = {code: request.POST[code] for code in report.form.spec().item_codes if code in request.POST}
    if typed:  # a compiled report posts no figures: it is submitted as compiled
        try:
            services.report_save_values(report=report, values=typed, by=request.user)
        except ValidationError as error:
            # Shown again with every figure as typed and the reason beside each refused one.
            errors = error.message_dict if hasattr(error, "error_dict") else {}
            if not errors:
                messages.error(request, _error_text(error))
            return _render_report(request, report, typed, errors, status=400)
        except PermissionDenied as error:
            messages.error(request, str(error))
            return redirect("reporting:report", pk=report.pk)

    def action(report: Report) -> None:
        if request.POST.get("then") == "submit":
            services.report_submit(report=report, by=request.user)
            messages.success(request, _("Report submitted."))
        else:
            messages.success(request, _("Saved."))

    return _act(request, pk, action)


@require_POST
@capabilities.capability_required(Capability.WORK_ON_REPORTS)
def verify(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda report: services.report_verify(report=report, by=request.user))


@require_POST
@capabilities.capability_required(Capability.WORK_ON_REPORTS)
def approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Queue the approval as a job (verification runs again in it); the page follows the job."""
    holder: dict[str, ReportJob] = {}

    def action(report: Report) -> None:
        job = _start_job(
            request,
            kind=ReportJob.Kind.APPROVE,
            report=report,
            explanation=request.POST.get("explanation", ""),
        )
        if job.status == ReportJob.Status.FAILED:
            messages.error(request, job.message)
        elif job.status == ReportJob.Status.DONE:
            messages.success(request, _("Report approved and locked."))
        else:
            holder["job"] = job

    answer = _act(request, pk, action)
    return redirect("reporting:job", pk=holder["job"].pk) if "job" in holder else answer


@require_POST
@capabilities.capability_required(Capability.WORK_ON_REPORTS)
def return_report(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    def action(report: Report) -> None:
        services.report_return(report=report, comment=request.POST.get("comment", ""), by=request.user)
        messages.success(request, _("Report returned for correction."))

    return _act(request, pk, action)


@require_POST
@capabilities.capability_required(Capability.WORK_ON_REPORTS)
def unlock(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    def action(report: Report) -> None:
        # Unlocking reopens figures the level above has built on: ask for a ticked confirmation too.
        if request.POST.get("confirm") != "yes":
            raise ValidationError(_("Tick the box to confirm the unlocking."))
        services.report_unlock(report=report, reason=request.POST.get("reason", ""), by=request.user)
        messages.success(request, _("Report unlocked."))

    return _act(request, pk, action)


RECORD_LIMIT = 200


@capabilities.capability_required(Capability.READ_REPORTS)
def records(request: AuthenticatedHttpRequest, pk: int, item: str) -> HttpResponse:
    """The registry rows behind a computed item of a report: what the reported figure is checked against."""
    report = get_visible_or_404(Report.objects.select_related("form", "area"), request.user, pk=pk)
    spec_item = report.form.spec().item(item)
    if spec_item is None or not spec_item.is_computed:
        raise Http404
    measure = MEASURES[spec_item.measure]
    rows = scoped_rows(measure, report.period_start, report.period_end, report.area.prefix, spec_item.where)
    # The person a row names (a birth's mother, a marriage's wife…) comes in the same query.
    people = [f.name for f in rows.model._meta.get_fields() if f.name in ("mother", "person", "wife")]
    shown = list(rows.select_related(*people).order_by("pk")[:RECORD_LIMIT])
    context = {
        "report": report,
        "item": spec_item,
        "rows": _with_area_names([_describe(row, health=measure.health) for row in shown]),
        "total": rows.count(),
        "limit": RECORD_LIMIT,
    }
    return render(request, "reporting/records.html", context)


def _with_area_names(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A village by its name, not its code."""
    names = dict(Area.objects.filter(code__in={row["area"] for row in rows}).values_list("code", "name"))
    for row in rows:
        row["area"] = names.get(row["area"], row["area"])
    return rows


def _describe(row: Any, *, health: bool = False) -> dict[str, Any]:
    """Date, person and area of a registry row of any measure (no ID numbers or phones); for health data
    (outreach's checks, screenings, contraceptives handed to a person) whom the row concerns is masked."""
    if health:
        return {**_describe(row), "name": str(HEALTH_HIDDEN)}
    name = getattr(row, "name", None)
    for attribute in ("mother", "person", "wife"):
        if name is None and hasattr(row, f"{attribute}_id"):
            name = getattr(row, attribute).name
    day = next(
        (
            getattr(row, f)
            for f in (
                "date",
                "start_date",
                "death_date",
                "end_date",
                "due_on",
                "starts_on",
                "moved_on",
                "done_on",
                "screened_on",
            )
            if getattr(row, f, None)
        ),
        None,
    )
    area = (
        getattr(row, "area_id", None)
        or getattr(row, "residence_area_id", None)
        or getattr(row, "area_code", "")
    )
    return {"kind": row._meta.verbose_name, "pk": row.pk, "name": name or "", "date": day, "area": area}
