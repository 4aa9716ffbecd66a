"""Pages for supplies, campaigns and care gifts."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.http import AuthenticatedHttpRequest
from jisheng.accounts.permissions import Capability
from jisheng.areas.codes import code_range
from jisheng.areas.models import Area
from jisheng.areas.scoping import get_visible_or_404, user_prefix, visible_area

from . import queries, services
from .forms import CampaignForm, GiftForm, HandOutForm, ReceiveForm, TransferForm
from .models import Campaign, CareGift, SupplyItem, Visit
from .views import page, refused, writer
from .views_health import _person


def _items() -> list[tuple[str, str]]:
    return [(str(item.pk), f"{item.name}（{item.unit}）") for item in SupplyItem.objects.all()]


def _areas_below(user: Any) -> list[tuple[str, str]]:
    prefix = user_prefix(user)
    if prefix is None:
        return []
    rows = Area.objects.filter(code__range=code_range(prefix), valid_to__isnull=True).order_by("code")[:2000]
    return [(area.code, f"{area.code} {area.name}") for area in rows]


def _item(pk: str) -> SupplyItem:
    item = SupplyItem.objects.filter(pk=pk).first()
    if item is None:
        raise ValidationError({"item": [_("Choose an item.")]})
    return item


@permissions.capability_required(Capability.READ_OUTREACH)
def supplies(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "outreach/supplies.html",
        {
            "levels": queries.stock_levels(request.user),
            "page": page(request, queries.movements(request.user)),
            "may_manage": permissions.holds(request.user, Capability.MANAGE_SUPPLIES),
        },
    )


@permissions.capability_required(Capability.MANAGE_SUPPLIES)
def receive(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = writer(request)
    form = ReceiveForm(request.POST or None, initial={"received_on": timezone.localdate()})
    form.fields["item"].choices = _items()  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.stock_receive(
                by=user,
                area=user.area,
                item=_item(data["item"]),
                quantity=data["quantity"],
                received_on=data["received_on"],
                expires_on=data["expires_on"],
                note=data["note"],
            )
            return redirect("outreach:supplies")
        except (ValidationError, PermissionDenied) as error:
            refused(form, error)
    return render(request, "outreach/form.html", {"form": form, "title": _("Receive supplies")})


@permissions.capability_required(Capability.MANAGE_SUPPLIES)
def transfer(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = writer(request)
    form = TransferForm(request.POST or None, initial={"moved_on": timezone.localdate()})
    form.fields["item"].choices = _items()  # type: ignore[attr-defined]
    form.fields["to_area"].choices = _areas_below(user)  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            to_area = visible_area(user, data["to_area"])
            if to_area is None:
                raise ValidationError({"to_area": [_("Choose an area of yours.")]})
            services.stock_transfer(
                by=user,
                from_area=user.area,
                to_area=to_area,
                item=_item(data["item"]),
                quantity=data["quantity"],
                moved_on=data["moved_on"],
            )
            return redirect("outreach:supplies")
        except (ValidationError, PermissionDenied) as error:
            refused(form, error)
    return render(request, "outreach/form.html", {"form": form, "title": _("Send supplies to an area")})


@permissions.capability_required(Capability.MANAGE_SUPPLIES)
def handout_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The village officer's hand-out, on a phone: to a person (by ID number) or at an event."""
    user = writer(request)
    form = HandOutForm(request.POST or None, initial={"moved_on": timezone.localdate()})
    form.fields["item"].choices = _items()  # type: ignore[attr-defined]
    campaigns = Campaign.objects.visible_to(user).order_by("-starts_on")[:20]
    form.fields["campaign"].choices = [("", "—"), *[(str(c.pk), c.name) for c in campaigns]]  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = _person(user, data["person_id"], "person_id")
            campaign = (
                get_visible_or_404(Campaign.objects.all(), user, pk=data["campaign"])
                if data["campaign"]
                else None
            )
            services.stock_hand_out(
                by=user,
                area=user.area,
                item=_item(data["item"]),
                quantity=data["quantity"],
                moved_on=data["moved_on"],
                person=person,
                campaign=campaign,
            )
            return redirect("outreach:supplies")
        except (ValidationError, PermissionDenied) as error:
            refused(form, error)
    return render(request, "outreach/handout.html", {"form": form})


@permissions.capability_required(Capability.READ_OUTREACH)
def campaign_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = (
        Campaign.objects.visible_to(request.user)
        .select_related("area")
        .annotate(handed_out=Sum("movements__quantity"))
        .order_by("-starts_on", "-pk")
    )
    return render(
        request,
        "outreach/campaigns.html",
        {
            "page": page(request, rows),
            "may_record": permissions.holds(request.user, Capability.RECORD_CAMPAIGNS),
        },
    )


@permissions.capability_required(Capability.RECORD_CAMPAIGNS)
def campaign_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = writer(request)
    today = timezone.localdate()
    form = CampaignForm(request.POST or None, initial={"starts_on": today, "ends_on": today})
    if request.method == "POST" and form.is_valid():
        try:
            services.campaign_record(by=user, area=user.area, **form.cleaned_data)
            return redirect("outreach:campaigns")
        except (ValidationError, PermissionDenied) as error:
            refused(form, error)
    return render(request, "outreach/form.html", {"form": form, "title": _("Record a campaign")})


@permissions.capability_required(Capability.READ_OUTREACH)
def gift_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = (
        CareGift.objects.visible_to(request.user)
        .select_related("household", "area", "visit", "proposed_by", "approved_by")
        .order_by("-pk")
    )
    return render(
        request,
        "outreach/gifts.html",
        {
            "page": page(request, rows),
            "may_approve": permissions.holds(request.user, Capability.APPROVE_CARE_GIFT),
            "may_give": permissions.holds(request.user, Capability.PROPOSE_CARE_GIFT),
        },
    )


@permissions.capability_required(Capability.PROPOSE_CARE_GIFT)
def gift_new(request: AuthenticatedHttpRequest, visit_pk: int) -> HttpResponse:
    visit = get_visible_or_404(Visit.objects.all(), request.user, pk=visit_pk)
    form = GiftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.gift_propose(by=writer(request), visit=visit, **form.cleaned_data)
            return redirect("outreach:gifts")
        except (ValidationError, PermissionDenied) as error:
            refused(form, error)
    return render(request, "outreach/form.html", {"form": form, "title": _("Propose a care gift")})


@permissions.capability_required(Capability.APPROVE_CARE_GIFT)
def gift_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    gift = get_visible_or_404(CareGift.objects.all(), request.user, pk=pk)
    if request.method == "POST":
        try:
            services.gift_approve(
                by=writer(request),
                gift=gift,
                accept=request.POST.get("accept") == "1",
                reason=request.POST.get("reason", ""),
            )
        except (ValidationError, PermissionDenied) as error:
            from django.contrib import messages

            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    return redirect("outreach:gifts")
