"""Health services pages: lists with every health value masked, the forms that book, invite and
record, the reveal of one record with a reason, and the export (masked unless a reason is given)."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jisheng.accounts import permissions
from jisheng.accounts.http import AuthenticatedHttpRequest
from jisheng.accounts.permissions import Capability
from jisheng.areas.scoping import get_visible_or_404
from jisheng.audit.disclosure import clean_reason, disclosure_record
from jisheng.core.spreadsheets import csv_text
from jisheng.registry.models import Person
from jisheng.registry.queries import person_by_id_number

from . import services
from .forms import (
    PrePregnancyDoneForm,
    PrePregnancyForm,
    ReferralForm,
    ScreeningInviteForm,
    ScreeningResultForm,
)
from .masking import masked
from .models import HealthReferral, PrePregnancyCheck, Screening
from .views import page, refused, writer

KINDS: dict[str, Any] = {
    "screening": Screening,
    "prepregnancy": PrePregnancyCheck,
    "referral": HealthReferral,
}


def _person(user: Any, id_number: str, field: str) -> Person | None:
    if not id_number.strip():
        return None
    person = person_by_id_number(id_number, within=Person.objects.visible_to(user))
    if person is None:
        raise ValidationError({field: [_("No person with this ID number in your area.")]})
    return person


def _rows(user: Any, kind: str) -> Any:
    model = KINDS.get(kind)
    if model is None:
        raise Http404
    rows = model.objects.visible_to(user)
    if model is PrePregnancyCheck:
        return rows.select_related("wife", "husband", "hall_application")
    if model is Screening:
        return rows.select_related("woman")
    return rows.select_related("person")


@permissions.capability_required(Capability.READ_OUTREACH)
def health(request: AuthenticatedHttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "screening")
    rows = _rows(request.user, kind)
    return render(
        request,
        "outreach/health.html",
        {
            "kind": kind,
            "page": page(request, rows),
            "may_record": permissions.holds(request.user, Capability.RECORD_HEALTH_SERVICES),
        },
    )


@permissions.capability_required(Capability.RECORD_HEALTH_SERVICES)
def prepregnancy_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = writer(request)
    form = PrePregnancyForm(request.POST or None, initial={"booked_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            check = services.prepregnancy_book_at_hall(
                by=user,
                wife=_person(user, data["wife_id"], "wife_id"),
                husband=_person(user, data["husband_id"], "husband_id"),
                booked_on=data["booked_on"],
                phone=data["phone"],
            )
            messages.success(
                request,
                _("Booked at the service hall as case %(number)s.") % {"number": check.hall_reference},
            )
            return redirect(f"{_url('outreach:health')}?kind=prepregnancy")
        except (ValidationError, PermissionDenied) as error:
            refused(form, error)
    return render(
        request,
        "outreach/form.html",
        {
            "form": form,
            "title": _("Book a pre-pregnancy check"),
            "title_object": _("The couple is booked at the service hall (free pre-pregnancy check)."),
        },
    )


@permissions.capability_required(Capability.RECORD_HEALTH_SERVICES)
def prepregnancy_done(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    check = get_visible_or_404(PrePregnancyCheck.objects.all(), request.user, pk=pk)
    form = PrePregnancyDoneForm(request.POST or None, initial={"done_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.prepregnancy_done(by=writer(request), check=check, **form.cleaned_data)
            return redirect(f"{_url('outreach:health')}?kind=prepregnancy")
        except (ValidationError, PermissionDenied) as error:
            refused(form, error)
    return render(request, "outreach/form.html", {"form": form, "title": _("Record the check")})


@permissions.capability_required(Capability.RECORD_HEALTH_SERVICES)
def screening_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = writer(request)
    form = ScreeningInviteForm(request.POST or None, initial={"invited_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.screening_invite(
                by=user,
                woman=_person(user, data["woman_id"], "woman_id"),
                kind=data["kind"],
                invited_on=data["invited_on"],
            )
            return redirect(f"{_url('outreach:health')}?kind=screening")
        except (ValidationError, PermissionDenied) as error:
            refused(form, error)
    return render(request, "outreach/form.html", {"form": form, "title": _("Invite to screening")})


@permissions.capability_required(Capability.RECORD_HEALTH_SERVICES)
def screening_result(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    screening = get_visible_or_404(Screening.objects.all(), request.user, pk=pk)
    form = ScreeningResultForm(request.POST or None, initial={"screened_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.screening_record(by=writer(request), screening=screening, **form.cleaned_data)
            return redirect(f"{_url('outreach:health')}?kind=screening")
        except (ValidationError, PermissionDenied) as error:
            refused(form, error)
    return render(request, "outreach/form.html", {"form": form, "title": _("Record the screening")})


@permissions.capability_required(Capability.RECORD_HEALTH_SERVICES)
def referral_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = writer(request)
    form = ReferralForm(request.POST or None, initial={"referred_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = _person(user, data.pop("person_id"), "person_id")
            services.referral_record(by=user, person=person, **data)
            return redirect(f"{_url('outreach:health')}?kind=referral")
        except (ValidationError, PermissionDenied) as error:
            refused(form, error)
    return render(request, "outreach/form.html", {"form": form, "title": _("Record a referral")})


@require_POST
@permissions.capability_required(Capability.REVEAL_HEALTH_DATA)
def reveal(request: AuthenticatedHttpRequest, kind: str, pk: int) -> HttpResponse:
    model = KINDS.get(kind)
    if model is None:
        raise Http404
    obj = get_visible_or_404(model.objects.all(), request.user, pk=pk)
    context: dict[str, Any] = {"kind": kind, "obj": obj}
    try:
        context["values"] = services.health_reveal(
            by=request.user, obj=obj, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        context["error"] = " ".join(error.messages)
    return render(request, "outreach/_health_reveal.html", context)


@permissions.capability_required(Capability.READ_OUTREACH)
def export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The list as CSV. Health values are masked; with ``reason`` (and the reveal capability) they are
    written out and the disclosure is recorded before the file is handed over."""
    kind = request.GET.get("kind", "screening")
    rows = list(_rows(request.user, kind)[:50_000])
    reason = request.GET.get("reason", "").strip()
    reveal_all = bool(reason)
    if reveal_all and not permissions.holds(request.user, Capability.REVEAL_HEALTH_DATA):
        raise PermissionDenied
    if reveal_all:
        try:
            reason = clean_reason(reason)
        except ValidationError as error:
            return HttpResponse(
                " ".join(error.messages), status=400, content_type="text/plain; charset=utf-8"
            )
    # Every export is a disclosure (names at least); one that reveals health values says why.
    disclosure_record(
        by=request.user,
        kind="outreach_health" if reveal_all else "outreach_health_masked",
        count=len(rows),
        fields=["name", *(["result", "referral", "follow_up", "outcome"] if reveal_all else [])],
        filters={"kind": kind},
        reason=reason,
        area_code=request.user.area_id,
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="outreach-{kind}.csv"'
    response.write("\ufeff")
    writer_ = csv.writer(response)
    writer_.writerow([_("area"), _("name"), _("kind"), _("date"), _("done on"), _("result"), _("referral")])
    for row in rows:
        writer_.writerow([csv_text(value) for value in _export_row(row, reveal_all)])
    return response


def _export_row(row: Any, reveal_all: bool) -> list[Any]:
    show = (lambda v: v) if reveal_all else masked
    if isinstance(row, Screening):
        return [
            row.area_id,
            row.woman.name,
            row.get_kind_display(),
            row.invited_on,
            row.screened_on or "",
            show(row.get_result_display() if row.result else ""),
            show(row.referral),
        ]
    if isinstance(row, PrePregnancyCheck):
        return [
            row.area_id,
            row.wife.name,
            _("pre-pregnancy check"),
            row.booked_on,
            row.done_on or "",
            show(row.get_result_display() if row.result else ""),
            show(row.follow_up),
        ]
    return [
        row.area_id,
        row.person.name,
        row.get_kind_display(),
        row.referred_on,
        "",
        show(row.outcome),
        show(row.referred_to),
    ]


def _url(name: str) -> str:
    from django.urls import reverse

    return reverse(name)
