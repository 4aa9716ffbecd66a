"""Pages of projects allocated by need: needs, the county's allocation with its readable ranking, each
project's file (milestones, inspections with photos, fund entries) and the audit view."""

from __future__ import annotations

import contextlib
import decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.http import AuthenticatedHttpRequest
from jisheng.accounts.permissions import Capability
from jisheng.areas.models import Level
from jisheng.areas.scoping import get_visible_or_404, visible_area
from jisheng.core.sealed_files import open_sealed
from jisheng.core.uploads import limit_uploads, upload_refusal

from . import queries, services
from .forms import AllocationForm, FundForm, ImplementerForm, InspectionForm, MilestoneForm, NeedForm
from .models import AllocationRun, Inspection, Milestone, Need, Project
from .views import page, refused, writer
from .views_work import _areas_below

MB = 1024 * 1024


@permissions.capability_required(Capability.READ_OUTREACH)
def project_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = queries.projects_with_money(request.user)
    needs = Need.objects.visible_to(request.user).filter(status=Need.Status.SUBMITTED).select_related("area")
    return render(
        request,
        "outreach/projects.html",
        {
            "page": page(request, rows),
            "needs": needs.order_by("-submitted_at")[:50],
            "runs": AllocationRun.objects.visible_to(request.user)[:10],
            "may_submit": permissions.holds(request.user, Capability.SUBMIT_NEEDS),
            "may_allocate": permissions.holds(request.user, Capability.ALLOCATE_PROJECTS),
        },
    )


@permissions.capability_required(Capability.SUBMIT_NEEDS)
def need_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = writer(request)
    form = NeedForm(request.POST or None, initial={"year": timezone.localdate().year, "area": user.area_id})
    form.fields["area"].choices = _areas_below(user)  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            area = visible_area(user, data.pop("area"))
            if area is None:
                raise ValidationError({"area": [_("Choose an area of yours.")]})
            services.need_submit(by=user, area=area, **data)
            return redirect("outreach:projects")
        except (ValidationError, PermissionDenied) as error:
            refused(form, error)
    return render(request, "outreach/form.html", {"form": form, "title": _("Submit a need")})


@permissions.capability_required(Capability.ALLOCATE_PROJECTS)
def allocate(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The year's allocation: first the ranking with what the budget covers (nothing saved), then the
    decision, which keeps that ranking and the decider."""
    user = writer(request)
    county = user.area
    if county.level > Level.COUNTY:
        raise PermissionDenied(_("The county allocates projects."))
    form = AllocationForm(request.POST or request.GET or None, initial={"year": timezone.localdate().year})
    ranking = None
    if form.is_bound and form.is_valid():
        year, budget = form.cleaned_data["year"], decimal.Decimal(form.cleaned_data["budget"])
        if request.method == "POST" and request.POST.get("decide") == "1":
            try:
                run = services.allocation_run(by=user, county=county, year=year, budget=budget)
                return redirect("outreach:allocation", pk=run.pk)
            except (ValidationError, PermissionDenied) as error:
                refused(form, error)
        ranking = services.allocation_preview(county=county, year=year, budget=budget)
    return render(request, "outreach/allocate.html", {"form": form, "ranking": ranking})


@permissions.capability_required(Capability.READ_OUTREACH)
def allocation(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    run = get_visible_or_404(AllocationRun.objects.all(), request.user, pk=pk)
    return render(request, "outreach/allocation.html", {"run": run})


@permissions.capability_required(Capability.READ_OUTREACH)
def project(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    found = get_visible_or_404(queries.projects_with_money(request.user), request.user, pk=pk)
    today = timezone.localdate()
    return render(
        request,
        "outreach/project.html",
        {
            "project": found,
            "problems": queries.project_problems(found),
            "milestones": found.milestones.all(),
            "inspections": found.inspections.select_related("inspected_by"),
            "funds": found.funds.all(),
            "may_record": permissions.may(request.user, Capability.RECORD_PROJECT_PROGRESS, found.area_id),
            "fund_form": FundForm(initial={"entered_on": today}),
            "milestone_form": MilestoneForm(),
            "implementer_form": ImplementerForm(initial={"implementer": found.implementer}),
        },
    )


def _project_for_change(request: AuthenticatedHttpRequest, pk: int) -> Project:
    return get_visible_or_404(Project.objects.all(), request.user, pk=pk)


@permissions.capability_required(Capability.RECORD_PROJECT_PROGRESS)
def project_change(request: AuthenticatedHttpRequest, pk: int, what: str) -> HttpResponse:
    """The small forms of the project page: implementer, milestone, milestone done, fund entry."""
    target = _project_for_change(request, pk)
    user = writer(request)
    forms_by_what = {"implementer": ImplementerForm, "milestone": MilestoneForm, "fund": FundForm}
    if what == "done":
        milestone = get_visible_or_404(
            Milestone.objects.filter(project=target), user, pk=request.POST.get("milestone")
        )
        with contextlib.suppress(ValidationError):  # already done: the page shows it
            services.milestone_done(by=user, milestone=milestone, done_on=timezone.localdate())
        return redirect("outreach:project", pk=target.pk)
    form_class = forms_by_what.get(what)
    if form_class is None:
        raise Http404
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if what == "implementer":
                services.project_assign(by=user, project=target, **form.cleaned_data)
            elif what == "milestone":
                services.milestone_add(by=user, project=target, **form.cleaned_data)
            else:
                services.fund_enter(by=user, project=target, **form.cleaned_data)
            return redirect("outreach:project", pk=target.pk)
        except (ValidationError, PermissionDenied) as error:
            refused(form, error)
    return render(request, "outreach/form.html", {"form": form, "title_object": target.title})


@limit_uploads(max_files=1, max_file_bytes=8 * MB, max_total_bytes=8 * MB)
@permissions.capability_required(Capability.RECORD_PROJECT_PROGRESS)
def inspection_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    target = _project_for_change(request, pk)
    user = writer(request)
    refusal = upload_refusal(request) if request.method == "POST" else ""
    form = InspectionForm(
        request.POST or None, request.FILES or None, initial={"inspected_on": timezone.localdate()}
    )
    if refusal:
        form.add_error(None, refusal)
    elif request.method == "POST" and form.is_valid():
        try:
            services.inspection_record(by=user, project=target, **form.cleaned_data)
            return redirect("outreach:project", pk=target.pk)
        except (ValidationError, PermissionDenied) as error:
            refused(form, error)
    return render(
        request,
        "outreach/form.html",
        {"form": form, "title": _("Record an inspection"), "title_object": target.title, "multipart": True},
    )


@permissions.capability_required(Capability.READ_OUTREACH)
def inspection_photo(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    inspection = get_visible_or_404(Inspection.objects.all(), request.user, pk=pk)
    if not inspection.photo:
        raise Http404
    path = (Path(settings.MEDIA_ROOT) / inspection.photo).resolve()
    if not path.is_relative_to(Path(settings.MEDIA_ROOT).resolve()) or not path.exists():
        raise Http404
    content_type = "image/png" if path.suffix == ".png" else "image/jpeg"
    return FileResponse(open_sealed(path), content_type=content_type)  # type: ignore[return-value]


@permissions.capability_required(Capability.AUDIT_PROJECTS)
def audit(request: AuthenticatedHttpRequest) -> HttpResponse:
    year = request.GET.get("year")
    rows = queries.projects_off(request.user, year=int(year) if year and year.isdigit() else None)
    return render(request, "outreach/audit.html", {"rows": rows, "year": year or ""})
