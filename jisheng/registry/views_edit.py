"""Recording people and events from the person file: each form calls one service; a refusal comes
back on the form in the service's words (field and reason)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.http import AuthenticatedHttpRequest
from jisheng.accounts.permissions import Capability
from jisheng.areas.models import Area, Level
from jisheng.areas.scoping import can_see_area, get_visible_or_404
from jisheng.core.actor import Actor

from . import forms as registry_forms
from .models import Household, Person
from .services import (
    birth_record,
    contraception_record,
    death_record,
    household_join,
    household_remove_member,
    household_update,
    marriage_divorce,
    marriage_record,
    person_create,
    person_move,
    person_set_status,
)
from .validation import Refusal, id_warnings, normalize_id_number


def _writer(request: HttpRequest) -> Any:
    if request.user.is_read_only:  # type: ignore[union-attr]
        raise PermissionDenied
    return request.user


@permissions.capability_required(Capability.RECORD_VITAL_EVENTS)
def person_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = _writer(request)
    form = registry_forms.PersonForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            village = _village(user, form.cleaned_data["village"])
            person = person_create(
                by=user,
                name=form.cleaned_data["name"],
                id_number=form.cleaned_data["id_number"],
                residence_area=village,
                phone=form.cleaned_data["phone"],
                address=form.cleaned_data["address"],
            )
            _warn_about_id(request, person.id_number)
            return redirect("registry:person", pk=person.pk)
        except Refusal as refusal:
            form.add_error(None, str(refusal))
    return render(request, "registry/edit.html", {"form": form, "title": _("New resident"), "person": None})


def _warn_about_id(request: HttpRequest, id_number: str) -> None:
    """The ID's area code never refuses a person (see core.text), but what it says is shown to the
    clerk on the person page after saving, to be checked against the identity card."""
    for warning in id_warnings(id_number):
        messages.warning(
            request,
            _("Resident ID number %(number)s: %(warning)s") % {"number": id_number, "warning": warning},
        )


def _village(user: Any, code: str) -> Area:
    village = Area.objects.filter(code=code, level=Level.VILLAGE).first()
    if village is None or not can_see_area(user, code):
        raise Refusal(_("village"), _("is not a village in your area"), code)
    return village


def _record_birth(person: Person, data: dict[str, Any], by: Actor) -> None:
    birth_record(
        mother=person,
        date=data["date"],
        sex=data["sex"],
        child_name=data["child_name"],
        child_id_number=data["child_id_number"],
        weight_grams=data["weight_grams"],
        place=data["place"],
        father=_husband_of(person),
        by=by,
    )


def _husband_of(person: Person) -> Person | None:
    from .models import Marriage

    marriage = (
        Marriage.objects.filter(wife=person, divorce_date__isnull=True).select_related("husband").first()
    )
    return marriage.husband if marriage else None


def _record_contraception(person: Person, data: dict[str, Any], by: Actor) -> None:
    contraception_record(
        person=person, method=data["method"], start_date=data["start_date"], provider=data["provider"], by=by
    )


def _record_move(person: Person, data: dict[str, Any], by: Actor) -> None:
    village = _village(by, data["village"])
    person_move(person=person, to_area=village, date=data["date"], note=data["note"], by=by)


def _record_death(person: Person, data: dict[str, Any], by: Actor) -> None:
    death_record(person=person, date=data["date"], note=data["note"], by=by)


def _record_marriage(person: Person, data: dict[str, Any], by: Actor) -> None:
    number = normalize_id_number(data["spouse_id_number"])
    spouse = Person.objects.visible_to(by).filter(id_number=number, merged_into__isnull=True).first()
    if spouse is None:
        raise Refusal(_("spouse's ID number"), _("no such person in your area"), number)
    husband, wife = (person, spouse) if person.sex == "1" else (spouse, person)
    marriage_record(
        husband=husband,
        wife=wife,
        date=data["date"],
        kind=data["kind"],
        certificate_number=data["certificate_number"],
        by=by,
    )


def _record_household(person: Person, data: dict[str, Any], by: Actor) -> None:
    household_join(person=person, number=data["household_number"], relation=data["relation"], by=by)


def _record_status(person: Person, data: dict[str, Any], by: Actor) -> None:
    person_set_status(person=person, status=data["status"], note=data["note"], by=by)


def _household_of(person: Person) -> Household:
    if person.household_id is None:
        raise Refusal(_("household"), _("this person belongs to no household yet"))
    return Household.objects.get(pk=person.household_id)


def _record_household_details(person: Person, data: dict[str, Any], by: Actor) -> None:
    household_update(
        household=_household_of(person), address=data["address"], hukou_type=data["hukou_type"], by=by
    )


def _record_leaving_household(person: Person, data: dict[str, Any], by: Actor) -> None:
    _household_of(person)
    household_remove_member(person=person, by=by)


def _record_divorce(person: Person, data: dict[str, Any], by: Actor) -> None:
    from .models import Marriage

    marriage = (
        Marriage.objects.filter(divorce_date__isnull=True)
        .filter(models.Q(wife=person) | models.Q(husband=person))
        .order_by("-date")
        .first()
    )
    if marriage is None:
        raise Refusal(_("marriage"), _("no current marriage is recorded for this person"))
    marriage_divorce(marriage=marriage, date=data["date"], by=by)


def household_initial(person: Person) -> dict[str, Any]:
    household = Household.objects.filter(pk=person.household_id).first() if person.household_id else None
    return {"address": household.address, "hukou_type": household.hukou_type} if household else {}


EVENTS: dict[str, tuple[type[forms.Form], Callable[[Person, dict[str, Any], Any], None]]] = {
    "birth": (registry_forms.BirthForm, _record_birth),
    "contraception": (registry_forms.ContraceptionForm, _record_contraception),
    "move": (registry_forms.MoveForm, _record_move),
    "death": (registry_forms.DeathForm, _record_death),
    "marriage": (registry_forms.MarriageForm, _record_marriage),
    "household": (registry_forms.HouseholdMemberForm, _record_household),
    "status": (registry_forms.StatusForm, _record_status),
    "household_details": (registry_forms.HouseholdForm, _record_household_details),
    "leave_household": (registry_forms.LeaveHouseholdForm, _record_leaving_household),
    "divorce": (registry_forms.DivorceForm, _record_divorce),
}


def event_titles() -> dict[str, str]:
    return {
        "birth": _("Record a birth"),
        "contraception": _("Record contraception"),
        "move": _("Record a move"),
        "death": _("Record a death"),
        "marriage": _("Record a marriage"),
        "household": _("Household membership"),
        "status": _("Living here or away"),
        "household_details": _("Household address"),
        "leave_household": _("Leave the household"),
        "divorce": _("Record a divorce"),
    }


@permissions.capability_required(Capability.RECORD_VITAL_EVENTS)
def person_event(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    if kind not in EVENTS:
        raise Http404
    person = get_visible_or_404(Person.objects.select_related("residence_area"), request.user, pk=pk)
    user = _writer(request)
    form_class, action = EVENTS[kind]
    extra: dict[str, Any] = {"user": user} if kind == "move" else {}
    if kind == "status":
        extra["initial"] = {"status": person.status}
    elif kind == "household_details":
        extra["initial"] = household_initial(person)
    form = form_class(request.POST or None, **extra)
    if request.method == "POST" and form.is_valid():
        try:
            action(person, form.cleaned_data, user)
            if form.cleaned_data.get("child_id_number"):
                _warn_about_id(request, form.cleaned_data["child_id_number"])
            return redirect("registry:person", pk=person.pk)
        except Refusal as refusal:
            form.add_error(None, str(refusal))
    return render(
        request, "registry/edit.html", {"form": form, "title": event_titles()[kind], "person": person}
    )
