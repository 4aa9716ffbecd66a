"""The village officer's pages, made for a phone: moves out and in, the area picker, and picking the
person a daily action (a birth, a marriage) is recorded for. Each form calls one service; a refusal comes
back on the form in the service's words with every value kept."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from jisheng.accounts import permissions
from jisheng.accounts.http import AuthenticatedHttpRequest
from jisheng.accounts.permissions import Capability
from jisheng.areas.models import Area, Level
from jisheng.areas.scoping import get_visible_or_404

from .codes import PersonStatus
from .forms import village_choices
from .models import Person
from .queries import SearchCriteria, person_search
from .services import Place, person_move_in, person_move_out, place_from_text
from .validation import Refusal
from .views_edit import _village

AREA_OPTIONS = 20


class MoveOutForm(forms.Form):
    destination = forms.CharField(
        label=gettext_lazy("moving to"),
        max_length=120,
        help_text=gettext_lazy(
            "Type a few characters of the place or its code and pick it from the list; "
            "a place outside this system may be typed in full."
        ),
        widget=forms.TextInput(attrs={"list": "area-options", "autocomplete": "off"}),
    )
    date = forms.DateField(
        label=gettext_lazy("date of the move"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    note = forms.CharField(label=gettext_lazy("note"), max_length=100, required=False)


class MoveInForm(forms.Form):
    village = forms.ChoiceField(label=gettext_lazy("moving into village"))
    id_number = forms.CharField(
        label=gettext_lazy("resident ID number"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    name = forms.CharField(
        label=pgettext_lazy("person", "name"),
        max_length=32,
        required=False,
        help_text=gettext_lazy("Required for a person the registry does not know yet; checked otherwise."),
    )
    phone = forms.CharField(
        label=gettext_lazy("phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    origin = forms.CharField(
        label=gettext_lazy("coming from"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"list": "area-options", "autocomplete": "off"}),
    )
    date = forms.DateField(
        label=gettext_lazy("date of the move"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    note = forms.CharField(label=gettext_lazy("note"), max_length=100, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        village = self.fields["village"]
        assert isinstance(village, forms.ChoiceField)
        village.choices = village_choices(user)


def _writer(request: HttpRequest) -> Any:
    if request.user.is_read_only:  # type: ignore[union-attr]
        raise PermissionDenied
    return request.user


@permissions.capability_required(Capability.RECORD_VITAL_EVENTS)
def move_out(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    person = get_visible_or_404(Person.objects.select_related("residence_area"), request.user, pk=pk)
    user = _writer(request)
    form = MoveOutForm(request.POST or None, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            place = place_from_text(form.cleaned_data["destination"])
            person_move_out(
                person=person,
                to=place,
                date=form.cleaned_data["date"],
                note=form.cleaned_data["note"],
                by=user,
            )
            if Person.objects.visible_to(user).filter(pk=person.pk).exists():
                return redirect("registry:person", pk=person.pk)
            # Moved to a village outside the user's area: the file is now the receiving village's.
            messages.success(
                request, _("%(name)s moved to %(place)s.") % {"name": person.name, "place": place.describe()}
            )
            return redirect("registry:search")
        except (Refusal, PermissionDenied) as refusal:
            form.add_error(None, str(refusal))
    return render(request, "registry/move_out.html", {"form": form, "person": person})


@permissions.capability_required(Capability.RECORD_VITAL_EVENTS)
def move_in(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = _writer(request)
    form = MoveInForm(request.POST or None, user=user, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            village = _village(user, data["village"])
            origin = place_from_text(data["origin"]) if data["origin"].strip() else Place()
            person = person_move_in(
                to_area=village,
                id_number=data["id_number"],
                name=data["name"],
                phone=data["phone"],
                origin=origin,
                date=data["date"],
                note=data["note"],
                by=user,
            )
            return redirect("registry:person", pk=person.pk)
        except (Refusal, PermissionDenied) as refusal:
            form.add_error(None, str(refusal))
    return render(request, "registry/move_in.html", {"form": form})


@permissions.capability_required(Capability.RECORD_VITAL_EVENTS)
def area_options(request: HttpRequest) -> HttpResponse:
    """The options of the area list as the officer types: current areas by name or code prefix.

    Area names and codes are public statistical data, so the list is the whole deployment's, not the
    user's area: a person moves to wherever they move.
    """
    q = " ".join(
        (request.GET.get("destination") or request.GET.get("origin") or request.GET.get("q") or "").split()
    )
    areas: list[Area] = []
    head = q.split(" ")[0] if q else ""
    if head:
        current = Area.objects.filter(valid_to__isnull=True, level__gte=Level.PROVINCE)
        if head.isdigit():
            current = current.filter(code__startswith=head)
        else:
            current = current.filter(Q(name__contains=head))
        areas = list(current.select_related("parent__parent").order_by("level", "code")[:AREA_OPTIONS])
    return render(request, "registry/_area_options.html", {"areas": areas})


PICK_KINDS = {"birth", "marriage"}


@permissions.capability_required(Capability.RECORD_VITAL_EVENTS)
def pick_person(request: HttpRequest, kind: str) -> HttpResponse:
    """A daily action from the home page: find the person, then record the event on their file."""
    if kind not in PICK_KINDS:
        raise Http404
    _writer(request)
    q = (request.GET.get("q") or "").strip()[:64]
    results = person_search(request.user, SearchCriteria(q=q)) if q else []
    results = [p for p in results if p.status != PersonStatus.DEAD and p.merged_into_id is None]
    if kind == "birth":
        results = [p for p in results if p.sex == "2"]
    titles = {
        "birth": _("Record a birth: find the mother"),
        "marriage": _("Record a marriage: find one spouse"),
    }
    return render(
        request,
        "registry/pick_person.html",
        {"kind": kind, "q": q, "results": results, "title": titles[kind]},
    )
