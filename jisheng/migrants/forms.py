from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jisheng.registry.codes import ContraceptiveMethod, Sex
from jisheng.registry.forms import village_choices

from .models import NotApplicable, Reason

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
PHONE = forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"})
MEASURES = [("", "—"), *ContraceptiveMethod.choices, *NotApplicable.choices]


class DepartureForm(forms.Form):
    destination = forms.CharField(
        label=_("going to"),
        max_length=120,
        help_text=_(
            "The area code of the place (6 digits for a county, e.g. 441900), or pick it from the list."
        ),
        widget=forms.TextInput(attrs={"list": "area-options", "autocomplete": "off"}),
    )
    left_on = forms.DateField(label=_("left on"), widget=DATE)
    reason = forms.ChoiceField(label=pgettext_lazy("migrant", "reason"), choices=Reason.choices)
    address = forms.CharField(label=_("address there"), max_length=128, required=False)
    employer = forms.CharField(label=_("employer"), max_length=100, required=False)
    phone = forms.CharField(label=_("phone there"), max_length=20, required=False, widget=PHONE)
    contact_phone = forms.CharField(
        label=_("contact phone left at home"), max_length=20, required=False, widget=PHONE
    )
    contraception = forms.ChoiceField(label=_("contraceptive measure"), choices=MEASURES, required=False)
    agreement_signed = forms.BooleanField(label=_("agreement signed"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"left_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class ChecklistForm(forms.Form):
    contact_phone = forms.CharField(
        label=_("contact phone left at home"), max_length=20, required=False, widget=PHONE
    )
    contraception = forms.ChoiceField(label=_("contraceptive measure"), choices=MEASURES, required=False)
    agreement_signed_on = forms.DateField(label=_("agreement signed on"), required=False, widget=DATE)


class DayForm(forms.Form):
    day = forms.DateField(label=_("date"), widget=DATE)


class ArrivalForm(forms.Form):
    village = forms.ChoiceField(label=_("village"))
    id_number = forms.CharField(
        label=_("resident ID number"), max_length=32, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    name = forms.CharField(label=pgettext_lazy("person", "name"), max_length=32, required=False)
    origin = forms.CharField(
        label=pgettext_lazy("migrant", "coming from"),
        max_length=120,
        required=False,
        help_text=_("The area code of the home county (6 digits), or pick it from the list."),
        widget=forms.TextInput(attrs={"list": "area-options", "autocomplete": "off"}),
    )
    arrived_on = forms.DateField(label=_("arrived on"), widget=DATE)
    phone = forms.CharField(label=_("phone"), max_length=20, required=False, widget=PHONE)
    address = forms.CharField(label=_("address here"), max_length=128, required=False)
    employer = forms.CharField(label=_("employer"), max_length=100, required=False)
    contraception = forms.ChoiceField(label=_("contraceptive measure"), choices=MEASURES, required=False)
    pregnant = forms.BooleanField(label=_("pregnant"), required=False)
    certificate = forms.CharField(
        label=_("marital and fertility certificate"),
        max_length=600,
        required=False,
        help_text=_("Scan the QR code or type the certificate number; leave empty when none was handed in."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"arrived_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        village = self.fields["village"]
        assert isinstance(village, forms.ChoiceField)
        village.choices = village_choices(user)


class CertificateCheckForm(forms.Form):
    text = forms.CharField(
        label=_("QR code or certificate number"),
        max_length=600,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class BirthNoticeForm(forms.Form):
    """A child born here to a woman arrived from elsewhere: told to her home county (通报)."""

    born_on = forms.DateField(label=_("born on"), widget=DATE)
    sex = forms.ChoiceField(label=_("sex"), choices=Sex.choices)
    child_name = forms.CharField(label=_("child's name"), max_length=32, required=False)
    child_id_number = forms.CharField(label=_("child's ID number"), max_length=32, required=False)
    place = forms.CharField(label=_("place of birth"), max_length=60, required=False)


class ContraceptionForm(forms.Form):
    method = forms.ChoiceField(label=_("contraceptive measure"), choices=ContraceptiveMethod.choices)
    start_date = forms.DateField(label=_("start date"), widget=DATE)
    provider = forms.CharField(label=_("provider"), max_length=64, required=False)


class VerificationForm(forms.Form):
    question = forms.CharField(
        label=_("what is to be verified"), max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )
    need_arose_on = forms.DateField(
        label=_("need arose on"),
        required=False,
        widget=DATE,
        help_text=_(
            "The day the facts to verify came to light (the arrival when empty): the request leaves within 7 working days."
        ),
    )


class OutcomeForm(forms.Form):
    outcome = forms.CharField(label=_("outcome"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=pgettext_lazy("verification", "answer"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class EducationForm(forms.Form):
    held_on = forms.DateField(label=_("held on"), widget=DATE)
    topic = forms.CharField(label=_("topic"), max_length=100)
    place = forms.CharField(label=_("place"), max_length=100, required=False)
    educator = forms.CharField(label=_("educator"), max_length=32, required=False)
