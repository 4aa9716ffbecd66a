"""Report pages (per programme, year and area; the seed 000 table; .xlsx and print), applications and
continuing benefits (annual re-confirmation, stopping with a reason)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jisheng.accounts import permissions
from jisheng.accounts.http import AuthenticatedHttpRequest
from jisheng.accounts.permissions import Capability
from jisheng.areas.scoping import get_visible_or_404
from jisheng.registry.models import Person
from jisheng.registry.queries import person_by_id_number

from . import applications as application_services
from . import queries, services
from .exports import report_xlsx
from .models import Application, Enrolment, PayeeAccount
from .payee import clean_account
from .rules import get_programme, programmes
from .views import _area, _message_errors


def _report_params(request: HttpRequest) -> tuple[int | None, str, int]:
    try:
        year = int(request.GET["year"]) if request.GET.get("year") else None
    except ValueError:
        year = None
    programme_id = request.GET.get("programme", "")
    group = 12 if request.GET.get("by") == "village" else 9
    return year, programme_id, group


@permissions.capability_required(Capability.READ_BENEFITS)
def report(request: HttpRequest) -> HttpResponse:
    year, programme_id, group = _report_params(request)
    rows = queries.report_rows(request.user, year=year, programme_id=programme_id, group_length=group)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            report_xlsx(rows),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="benefits-report.xlsx"'
        return response
    return render(
        request,
        "benefits/report.html",
        {
            "rows": rows,
            "year": year or "",
            "programme_id": programme_id,
            "by": request.GET.get("by", "township"),
            "programmes": programmes().values(),
            "seed": queries.seed_table(request.user),
            "query": request.GET.urlencode(),
        },
    )


@permissions.capability_required(Capability.READ_BENEFITS)
def applications(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Apply on a resident's behalf (checked at once by the rule) and list earlier applications.
    A refused application shows the form again with everything the officer typed."""
    typed: dict[str, str] = {}
    if request.method == "POST":
        typed = {
            key: request.POST.get(key, "")
            for key in (
                "id_number",
                "programme",
                "year",
                "account_kind",
                "bank_account",
                "bank_name",
                "account_holder",
            )
        }
        done = False
        id_number = request.POST.get("id_number", "").strip().upper()
        person = person_by_id_number(id_number, within=Person.objects.visible_to(request.user))
        if person is None:
            messages.error(request, _("No resident with this ID number in your area."))
        else:
            try:
                year = int(request.POST.get("year") or timezone.localdate().year)
            except ValueError:
                year = timezone.localdate().year

            def submit() -> None:
                account = None
                if request.POST.get("bank_account", "").strip():
                    account = clean_account(
                        kind=request.POST.get("account_kind", ""),
                        number=request.POST.get("bank_account", ""),
                        bank_name=request.POST.get("bank_name", ""),
                        holder=request.POST.get("account_holder", ""),
                    )
                application_services.application_submit(
                    person=person,
                    programme_id=request.POST.get("programme", ""),
                    year=year,
                    account=account,
                    by=request.user,
                )

            done = _message_errors(request, submit, _("Application checked and recorded."))
        if done:
            return redirect("benefits:applications")
    items = Application.objects.visible_to(request.user).select_related("person")
    status = request.GET.get("status", "")
    if status in Application.Status.values:
        items = items.filter(status=status)
    return render(
        request,
        "benefits/applications.html",
        {
            "applications": items[:100],
            "programmes": programmes().values(),
            "year": timezone.localdate().year,
            "statuses": Application.Status.choices,
            "status": status,
            "kinds": PayeeAccount.Kind.choices,
            "can_verify": permissions.holds(request.user, Capability.VERIFY_BENEFIT_APPLICATION),
            "typed": typed,
        },
    )


@permissions.capability_required(Capability.READ_BENEFITS)
def enrolments(request: HttpRequest) -> HttpResponse:
    items = Enrolment.objects.visible_to(request.user).select_related("person", "area")
    status = request.GET.get("status", "active")
    if status in {"active", "stopped"}:
        items = items.filter(status=status)
    return render(
        request,
        "benefits/enrolments.html",
        {
            "enrolments": items[:200],
            "status": status,
            "programmes": [p for p in programmes().values() if p.continuing],
            "areas": queries.areas_for(request.user),
            "year": timezone.localdate().year,
        },
    )


@require_POST
@permissions.capability_required(Capability.READ_BENEFITS)
def enrolments_reconfirm(request: AuthenticatedHttpRequest) -> HttpResponse:
    area = _area(request, request.POST.get("area"))
    try:
        year = int(request.POST.get("year", ""))
        programme = get_programme(request.POST.get("programme", ""))
        counts = services.enrolments_reconfirm(
            programme_id=programme.id, year=year, area=area, by=request.user
        )
    except (ValueError, KeyError):
        messages.error(request, _("Choose a programme and a year."))
    except PermissionDenied:
        messages.error(request, _("Not allowed."))
    else:
        messages.success(request, _("Confirmed %(confirmed)s, stopped %(stopped)s.") % counts)
    return redirect("benefits:enrolments")


@require_POST
@permissions.capability_required(Capability.READ_BENEFITS)
def enrolment_stop(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    enrolment = get_visible_or_404(Enrolment.objects.all(), request.user, pk=pk)
    try:
        services.enrolment_stop(enrolment=enrolment, reason=request.POST.get("reason", ""), by=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("Benefit stopped."))
    return redirect("benefits:enrolments")
