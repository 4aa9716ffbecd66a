"""The outreach pages for visits, pairings and hand-offs; the village officer's are made for a phone.
Each form calls one service; a refusal comes back on the form in the service's words."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from jisheng.accounts import permissions
from jisheng.accounts.http import AuthenticatedHttpRequest
from jisheng.accounts.permissions import Capability
from jisheng.areas.scoping import get_visible_or_404
from jisheng.core.text import normalize_code
from jisheng.registry.models import Household

from . import queries, services
from .forms import HelpForm, PairingForm, SettleForm, VisitForm
from .models import CareGift, Handoff, Pairing, StockMovement, Visit

PAGE_SIZE = 50


def refused(form: Form, error: ValidationError | PermissionDenied) -> None:
    """Put a service's refusal on the form: on the field it names when the form has that field."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, " ".join(getattr(error, "messages", [str(error)])))


def writer(request: AuthenticatedHttpRequest) -> Any:
    if request.user.is_read_only:
        raise PermissionDenied
    return request.user


def household_by_number(user: Any, number: str) -> Household:
    household = Household.objects.visible_to(user).filter(number=normalize_code(number)).first()
    if household is None:
        raise ValidationError({"household": [str(_no_household())]})
    return household


def _no_household() -> str:
    from django.utils.translation import gettext as _

    return _("No household with this number in your area.")


def page(request: AuthenticatedHttpRequest, rows: Any) -> Any:
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


@permissions.capability_required(Capability.READ_OUTREACH)
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    start = today.replace(day=1)
    return render(
        request,
        "outreach/index.html",
        {
            "figures": queries.figures(user.area.prefix, start, today) if user.area is not None else None,
            "month_start": start,
            "open_handoffs": queries.handoffs(user).count(),
            "may_visit": permissions.holds(user, Capability.RECORD_VISITS),
        },
    )


@permissions.capability_required(Capability.READ_OUTREACH)
def visit_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = queries.visits_of_area(request.user).select_related("area")
    return render(request, "outreach/visits.html", {"page": page(request, rows)})


@permissions.capability_required(Capability.RECORD_VISITS)
def visit_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = writer(request)
    initial = {"visited_on": timezone.localdate(), "household": request.GET.get("household", "")}
    form = VisitForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visit = services.visit_record(
                by=user,
                household=household_by_number(user, data["household"]),
                visited_on=data["visited_on"],
                visitors=data["visitors"],
                met=data["met"],
                asked=data["asked"],
                promised=data["promised"],
                follow_up_due=data["follow_up_due"],
                needs_office=False if data["settled_here"] else None,
            )
            return redirect("outreach:household", pk=visit.household_id)
        except (ValidationError, PermissionDenied) as error:
            refused(form, error)
    return render(request, "outreach/visit_new.html", {"form": form})


@permissions.capability_required(Capability.READ_OUTREACH)
def household_file(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A household's outreach: visits, pairings with help given, care gifts, hand-outs (masked)."""
    household = get_visible_or_404(Household.objects.select_related("area"), request.user, pk=pk)
    visits = Visit.objects.filter(household=household).select_related("handoff")[:50]
    pairings = Pairing.objects.filter(household=household).select_related("cadre").prefetch_related("help")
    gifts = CareGift.objects.filter(household=household)[:50]
    handouts = (
        StockMovement.objects.filter(person__household=household, kind=StockMovement.Kind.HANDOUT_PERSON)
        .select_related("item")
        .order_by("-moved_on")[:50]
    )
    return render(
        request,
        "outreach/household.html",
        {
            "household": household,
            "visits": visits,
            "pairings": pairings,
            "gifts": gifts,
            "handouts": handouts,
            "help_form": HelpForm(initial={"given_on": timezone.localdate()}),
            "may_visit": permissions.may(request.user, Capability.RECORD_VISITS, household.area_id),
        },
    )


@permissions.capability_required(Capability.READ_OUTREACH)
def handoff_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = queries.handoffs(request.user).select_related("area")
    return render(
        request, "outreach/handoffs.html", {"page": page(request, rows), "settle_form": SettleForm()}
    )


@permissions.capability_required(Capability.RECORD_VISITS)
def handoff_settle(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    handoff = get_visible_or_404(Handoff.objects.all(), request.user, pk=pk)
    form = SettleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.handoff_settle(by=writer(request), handoff=handoff, note=form.cleaned_data["note"])
            return redirect("outreach:handoffs")
        except (ValidationError, PermissionDenied) as error:
            refused(form, error)
    return render(request, "outreach/form.html", {"form": form, "title_object": handoff.summary})


@permissions.capability_required(Capability.READ_OUTREACH)
def pairing_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = (
        Pairing.objects.visible_to(request.user)
        .filter(status=Pairing.Status.ACTIVE)
        .select_related("cadre", "household", "area")
        .order_by("-started_on", "-pk")
    )
    form = PairingForm(initial={"started_on": timezone.localdate()})
    return render(
        request,
        "outreach/pairings.html",
        {
            "page": page(request, rows),
            "form": form,
            "may_record": permissions.holds(request.user, Capability.RECORD_VISITS),
        },
    )


@permissions.capability_required(Capability.RECORD_VISITS)
def pairing_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = writer(request)
    form = PairingForm(request.POST or None, initial={"started_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pairing = services.pairing_start(
                by=user,
                cadre=user,
                household=household_by_number(user, data["household"]),
                difficulty=data["difficulty"],
                started_on=data["started_on"],
            )
            return redirect("outreach:household", pk=pairing.household_id)
        except (ValidationError, PermissionDenied) as error:
            refused(form, error)
    return render(request, "outreach/form.html", {"form": form})


@permissions.capability_required(Capability.RECORD_VISITS)
def help_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    pairing = get_visible_or_404(Pairing.objects.all(), request.user, pk=pk)
    form = HelpForm(request.POST or None, initial={"given_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.help_record(
                by=writer(request),
                pairing=pairing,
                given_on=data["given_on"],
                description=data["description"],
                value=data["value"],
            )
            return redirect("outreach:household", pk=pairing.household_id)
        except (ValidationError, PermissionDenied) as error:
            refused(form, error)
    return render(request, "outreach/form.html", {"form": form})
