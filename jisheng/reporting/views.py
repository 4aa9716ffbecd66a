"""Pages of the report flow: my reports and the areas below me, one report, and its actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jisheng.accounts.decorators import role_required
from jisheng.areas.models import Level
from jisheng.areas.scoping import get_visible_or_404

from . import clock, permissions, queries, services
from .measures import MEASURES, scoped_rows
from .models import Report, ReportForm
from .periods import Period, containing, parse

READERS = (*permissions.ALL_REPORTING_ROLES, "auditor", "audit_admin")


def _form_and_period(request: HttpRequest, data: Any = None) -> tuple[ReportForm, Period]:
    data = data if data is not None else request.GET
    forms = ReportForm.objects.all()
    if not forms.exists():
        services.forms_load(by=request.user)
    form = forms.filter(code=data.get("form") or "village_month").first() or forms.first()
    assert form is not None
    try:
        period = parse(data["period"]) if data.get("period") else containing(form.period_type, clock.today())
    except ValidationError:
        period = containing(form.period_type, clock.today())
    if period.type != form.period_type:
        period = containing(form.period_type, period.start)
    return form, period


def _error_text(error: ValidationError) -> str:
    return "；".join(error.messages)


@role_required(*READERS)
def index(request: HttpRequest) -> HttpResponse:
    """The village officer's report of the period; for higher levels, the areas below and their reports."""
    user: Any = request.user
    form, period = _form_and_period(request)
    area = user.area
    own = Report.objects.visible_to(user).filter(form=form, period_key=period.key, area=area).first()
    context = {
        "forms": ReportForm.objects.all(),
        "form": form,
        "period": period,
        "previous": period.previous(),
        "next": period.next(),
        "area": area,
        "own": own,
        "can_fill": permissions.can_fill(user, area.code, area.level),
        "is_village": area.level == Level.VILLAGE,
    }
    if area.level < Level.VILLAGE:
        rows = queries.submissions(form, period, area)
        context.update(
            rows=rows,
            all_approved=bool(rows) and all(row["report"] and row["report"].is_locked for row in rows),
            completeness=queries.completeness(form, period, area),
            can_compile=permissions.can_fill(user, area.code, area.level),
        )
    return render(request, "reporting/index.html", context)


@require_POST
@role_required(*permissions.ALL_REPORTING_ROLES)
def open_report(request: HttpRequest) -> HttpResponse:
    form, period = _form_and_period(request, request.POST)
    try:
        report = services.report_open(form=form, period=period, area=request.user.area, by=request.user)  # type: ignore[union-attr]
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("reporting:index")
    return redirect("reporting:report", pk=report.pk)


@require_POST
@role_required(*permissions.ALL_REPORTING_ROLES)
def compile_report(request: HttpRequest) -> HttpResponse:
    form, period = _form_and_period(request, request.POST)
    try:
        report = services.report_compile(form=form, period=period, area=request.user.area, by=request.user)  # type: ignore[union-attr]
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect(f"{reverse('reporting:index')}?form={form.code}&period={period.key}")
    return redirect("reporting:report", pk=report.pk)


def _item_rows(report: Report) -> list[dict[str, Any]]:
    rows = []
    for item in report.form.spec().items:
        value = report.values.get(item.code)
        registry = report.registry_values.get(item.code) if item.is_computed else None
        rows.append(
            {
                "item": item,
                "value": "" if value is None else f"{value:g}",
                "registry": None if registry is None else f"{registry:g}",
                "differs": registry is not None and value is not None and value != registry,
            }
        )
    return rows


@role_required(*READERS)
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_visible_or_404(Report.objects.select_related("form", "area"), request.user, pk=pk)
    user: Any = request.user
    context = {
        "report": report,
        "period": report.period,
        "rows": _item_rows(report),
        "findings": report.findings,
        "high_findings": report.high_findings(),
        "can_fill": permissions.can_fill(user, report.area_id, report.level) and report.is_editable,
        "can_review": permissions.can_review(user, report.area_id, report.level),
    }
    return render(request, "reporting/report.html", context)


def _act(request: HttpRequest, pk: int, action: Any) -> HttpResponse:
    report = get_visible_or_404(Report.objects.select_related("form", "area"), request.user, pk=pk)
    try:
        action(report)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    return redirect("reporting:report", pk=report.pk)


@require_POST
@role_required(*permissions.ALL_REPORTING_ROLES)
def save(request: HttpRequest, pk: int) -> HttpResponse:
    def action(report: Report) -> None:
        values = {code: request.POST[code] for code in report.form.spec().item_codes if code in request.POST}
        services.report_save_values(report=report, values=values, by=request.user)
        if request.POST.get("then") == "submit":
            services.report_submit(report=report, by=request.user)
            messages.success(request, _("Report submitted."))
        else:
            messages.success(request, _("Saved."))

    return _act(request, pk, action)


@require_POST
@role_required(*permissions.ALL_REPORTING_ROLES)
def verify(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda report: services.report_verify(report=report, by=request.user))


@require_POST
@role_required(*permissions.ALL_REPORTING_ROLES)
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    def action(report: Report) -> None:
        services.report_approve(
            report=report, explanation=request.POST.get("explanation", ""), by=request.user
        )
        messages.success(request, _("Report approved and locked."))

    return _act(request, pk, action)


@require_POST
@role_required(*permissions.ALL_REPORTING_ROLES)
def return_report(request: HttpRequest, pk: int) -> HttpResponse:
    def action(report: Report) -> None:
        services.report_return(report=report, comment=request.POST.get("comment", ""), by=request.user)
        messages.success(request, _("Report returned for correction."))

    return _act(request, pk, action)


@require_POST
@role_required(*permissions.ALL_REPORTING_ROLES)
def unlock(request: HttpRequest, pk: int) -> HttpResponse:
    def action(report: Report) -> None:
        services.report_unlock(report=report, reason=request.POST.get("reason", ""), by=request.user)
        messages.success(request, _("Report unlocked."))

    return _act(request, pk, action)


RECORD_LIMIT = 200


@role_required(*READERS)
def records(request: HttpRequest, pk: int, item: str) -> HttpResponse:
    """The registry rows behind a computed item of a report: what the reported figure is checked against."""
    report = get_visible_or_404(Report.objects.select_related("form", "area"), request.user, pk=pk)
    spec_item = report.form.spec().item(item)
    if spec_item is None or not spec_item.is_computed:
        raise Http404
    measure = MEASURES[spec_item.measure]
    rows = scoped_rows(measure, report.period_start, report.period_end, report.area.prefix, spec_item.where)
    shown = list(rows.order_by("pk")[:RECORD_LIMIT])
    context = {
        "report": report,
        "item": spec_item,
        "rows": [_describe(row) for row in shown],
        "total": rows.count(),
        "limit": RECORD_LIMIT,
    }
    return render(request, "reporting/records.html", context)


def _describe(row: Any) -> dict[str, Any]:
    """Date, person and area of a registry row of any measure (no ID numbers or phones)."""
    name = getattr(row, "name", None)
    for attribute in ("mother", "person", "wife"):
        if name is None and hasattr(row, f"{attribute}_id"):
            name = getattr(row, attribute).name
    day = next(
        (
            getattr(row, f)
            for f in ("date", "start_date", "death_date", "end_date", "due_on")
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
