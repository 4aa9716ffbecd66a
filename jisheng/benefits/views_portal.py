"""Residents apply for a benefit themselves on the public portal; the same rule checks them at once.

The form names the beneficiary (for the childcare subsidy, the child), the applicant and how they are
related, and optionally the account to pay. Who may be paid is decided in ``applications``: an
applicant the registry does not show as the beneficiary or a parent waits for the village officer.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jisheng.core.ratelimit import allow
from jisheng.core.text import normalize_text
from jisheng.registry.queries import person_by_id_number

from . import applications
from .models import Application, PayeeAccount
from .payee import clean_account
from .rules import programmes


def _programme_choices() -> list[tuple[str, str]]:
    return [(programme.id, programme.name) for programme in programmes().values()]


def _id(value: str) -> str:
    return normalize_text(value).replace(" ", "").upper()


class ResidentApplicationForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name of the person the benefit is for"),
        max_length=32,
        help_text=gettext_lazy("For the childcare subsidy, the child's name and ID number."),
    )
    id_number = forms.CharField(label=gettext_lazy("Resident ID number"), max_length=24)
    programme = forms.ChoiceField(label=gettext_lazy("Programme"), choices=_programme_choices)
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    applicant_name = forms.CharField(label=gettext_lazy("Applicant's name"), max_length=32)
    applicant_id_number = forms.CharField(label=gettext_lazy("Applicant's resident ID number"), max_length=24)
    relation = forms.ChoiceField(
        label=gettext_lazy("Applicant's relation to the person the benefit is for"),
        choices=Application.Relation.choices,
    )
    account_kind = forms.ChoiceField(
        label=gettext_lazy("Account type"), choices=PayeeAccount.Kind.choices, required=False
    )
    bank_account = forms.CharField(
        label=gettext_lazy("Bank card or social security card account number (optional)"),
        max_length=40,
        required=False,
    )
    bank_name = forms.CharField(label=gettext_lazy("Bank"), max_length=64, required=False)
    account_holder = forms.CharField(
        label=gettext_lazy("Account holder"),
        max_length=32,
        required=False,
        help_text=gettext_lazy("The account must be the applicant's or the beneficiary's own."),
    )

    def clean_name(self) -> str:
        return normalize_text(self.cleaned_data["name"])

    def clean_applicant_name(self) -> str:
        return normalize_text(self.cleaned_data["applicant_name"])

    def clean_id_number(self) -> str:
        return _id(self.cleaned_data["id_number"])

    def clean_applicant_id_number(self) -> str:
        return _id(self.cleaned_data["applicant_id_number"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["account"] = None
        if (data.get("bank_account") or "").strip():
            try:
                data["account"] = clean_account(
                    kind=data.get("account_kind", ""),
                    number=data.get("bank_account", ""),
                    bank_name=data.get("bank_name", ""),
                    holder=data.get("account_holder", ""),
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    self.add_error(field, errors)
        return data


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
            person = person_by_id_number(data["id_number"], name=data["name"])
            if person is None:
                form.add_error(
                    None,
                    _(
                        "Identity check failed: the name and ID number do not match the population register. "
                        "Please ask your village family-planning officer or the service hall."
                    ),
                )
            else:
                try:
                    application = applications.resident_application_submit(
                        person=person,
                        programme_id=data["programme"],
                        year=data["year"],
                        applicant_name=data["applicant_name"],
                        applicant_id_number=data["applicant_id_number"],
                        relation=data["relation"],
                        account=data["account"],
                    )
                except ValidationError as exc:
                    if hasattr(exc, "error_dict"):
                        for field, errors in exc.message_dict.items():
                            form.add_error(field if field in form.fields else None, errors)
                    else:
                        form.add_error(None, exc.messages)
    return render(request, "benefits/portal_apply.html", {"form": form, "application": application})
