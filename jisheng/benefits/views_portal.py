"""Residents apply for a benefit themselves on the public portal; the same rule checks them at once."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jisheng.core.ratelimit import allow
from jisheng.core.text import normalize_text
from jisheng.registry.models import Person

from . import services
from .rules import programmes


def _programme_choices() -> list[tuple[str, str]]:
    return [(programme.id, programme.name) for programme in programmes().values()]


class ResidentApplicationForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name of the person the benefit is for"),
        max_length=32,
        help_text=gettext_lazy("For the childcare subsidy, the child's name and ID number."),
    )
    id_number = forms.CharField(label=gettext_lazy("Resident ID number"), max_length=24)
    programme = forms.ChoiceField(label=gettext_lazy("Programme"), choices=_programme_choices)
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    bank_account = forms.CharField(
        label=gettext_lazy("Bank card number (optional)"), max_length=32, required=False
    )

    def clean_name(self) -> str:
        return normalize_text(self.cleaned_data["name"])

    def clean_id_number(self) -> str:
        return normalize_text(self.cleaned_data["id_number"]).replace(" ", "").upper()

    def clean_bank_account(self) -> str:
        account = normalize_text(self.cleaned_data["bank_account"]).replace(" ", "")
        if account and not account.isdigit():
            raise forms.ValidationError(_("A bank card number has digits only."))
        return account


def apply(request: HttpRequest) -> HttpResponse:
    form = ResidentApplicationForm(request.POST or None, initial={"year": timezone.localdate().year})
    application = None
    if request.method == "POST" and form.is_valid():
        if not allow(request, "benefits-apply", limit=10):
            form.add_error(
                None, _("Too many attempts from your address. Please wait a minute and try again.")
            )
        else:
            data = form.cleaned_data
            person = Person.objects.filter(id_number=data["id_number"], name=data["name"]).first()
            if person is None:
                form.add_error(
                    None,
                    _(
                        "Identity check failed: the name and ID number do not match the population register. "
                        "Please ask your village family-planning officer or the service hall."
                    ),
                )
            else:
                application = services.resident_application_submit(
                    person=person,
                    programme_id=data["programme"],
                    year=data["year"],
                    bank_account=data["bank_account"],
                )
    return render(request, "benefits/portal_apply.html", {"form": form, "application": application})
