"""The pages of the later steps of outreach's records: end a pairing, record a referral's outcome,
refuse a proposed care gift or mark an approved one handed over, and accept a project as finished.
Each reads the record within the user's area (404 otherwise) and calls its service, which checks the
capability for the record's area and writes the audit event."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.http import AuthenticatedHttpRequest
from jisheng.accounts.permissions import Capability
from jisheng.areas.scoping import get_visible_or_404

from . import services
from .forms import (
    GiftGivenForm,
    GiftRefuseForm,
    PairingEndForm,
    PrePregnancyCancelForm,
    ProjectFinishForm,
    ReferralOutcomeForm,
)
from .models import CareGift, HealthReferral, Pairing, PrePregnancyCheck, Project
from .views import refused, writer


def _step(
    request: AuthenticatedHttpRequest,
    form: Form,
    act: Any,
    *,
    done: Any,
    title: str,
    subject: str,
) -> HttpResponse:
    """Show the form; on a valid POST run ``act(**cleaned_data)`` and go to ``done``; refusals on the form."""
    if request.method == "POST" and form.is_valid():
        try:
            act(**form.cleaned_data)
            return redirect(done) if not isinstance(done, tuple) else redirect(*done)
        except (ValidationError, PermissionDenied) as error:
            refused(form, error)
    return render(request, "outreach/form.html", {"form": form, "title": title, "title_object": subject})


@permissions.capability_required(Capability.RECORD_VISITS)
def pairing_end(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    pairing = get_visible_or_404(
        Pairing.objects.select_related("household__area", "cadre"), request.user, pk=pk
    )
    form = PairingEndForm(request.POST or None, initial={"ended_on": timezone.localdate()})
    return _step(
        request,
        form,
        lambda **data: services.pairing_end(by=writer(request), pairing=pairing, **data),
        done="outreach:pairings",
        title=_("End the pairing"),
        subject=(
            f"{pairing.household.area.name} {pairing.household.number} · "
            f"{pairing.cadre.full_name or pairing.cadre.username}"
        ),
    )


@permissions.capability_required(Capability.RECORD_HEALTH_SERVICES)
def prepregnancy_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Cancel a booked check with a reason; its hall case is withdrawn too."""
    check = get_visible_or_404(
        PrePregnancyCheck.objects.select_related("wife", "husband", "area"), request.user, pk=pk
    )
    couple = check.wife.name + (f" · {check.husband.name}" if check.husband is not None else "")
    hall = f" · {_('Hall case')} {check.hall_reference}" if check.hall_reference else ""
    return _step(
        request,
        PrePregnancyCancelForm(request.POST or None),
        lambda **data: services.prepregnancy_cancel(by=writer(request), check=check, **data),
        done=_health("prepregnancy"),
        title=_("Cancel the pre-pregnancy check"),
        subject=f"{check.area.name} · {couple} · {check.booked_on:%Y-%m-%d}{hall}",
    )


@permissions.capability_required(Capability.RECORD_HEALTH_SERVICES)
def referral_outcome(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    referral = get_visible_or_404(HealthReferral.objects.select_related("person"), request.user, pk=pk)
    # The form starts empty: the outcome recorded so far is health data, shown only on a reveal.
    form = ReferralOutcomeForm(request.POST or None)
    return _step(
        request,
        form,
        lambda **data: services.referral_outcome(by=writer(request), referral=referral, **data),
        done=_health("referral"),
        title=_("Record the referral's outcome"),
        subject=f"{referral.person.name} · {referral.get_kind_display()} · {referral.referred_on:%Y-%m-%d}",
    )


def _gift_subject(gift: CareGift) -> str:
    household = gift.household
    return f"{household.area.name} {household.number} · {gift.get_occasion_display()} · {gift.money} 元 {gift.goods}"


@permissions.capability_required(Capability.APPROVE_CARE_GIFT)
def gift_refuse(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    gift = get_visible_or_404(CareGift.objects.select_related("household__area"), request.user, pk=pk)
    form = GiftRefuseForm(request.POST or None)
    return _step(
        request,
        form,
        lambda **data: services.gift_approve(by=writer(request), gift=gift, accept=False, **data),
        done="outreach:gifts",
        title=_("Refuse the care gift"),
        subject=_gift_subject(gift),
    )


@permissions.capability_required(Capability.PROPOSE_CARE_GIFT)
def gift_given(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    gift = get_visible_or_404(CareGift.objects.select_related("household__area"), request.user, pk=pk)
    form = GiftGivenForm(request.POST or None, initial={"given_on": timezone.localdate()})
    return _step(
        request,
        form,
        lambda **data: services.gift_given(by=writer(request), gift=gift, **data),
        done="outreach:gifts",
        title=_("Mark the care gift handed over"),
        subject=_gift_subject(gift),
    )


@permissions.capability_required(Capability.RECORD_PROJECT_PROGRESS)
def project_finish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    project = get_visible_or_404(Project.objects.all(), request.user, pk=pk)
    form = ProjectFinishForm(request.POST or None)
    return _step(
        request,
        form,
        lambda **_data: services.project_finish(by=writer(request), project=project),
        done=("outreach:project", project.pk),
        title=_("Accept the project as finished"),
        subject=project.title,
    )


def _health(kind: str) -> str:
    from django.urls import reverse

    return f"{reverse('outreach:health')}?kind={kind}"
