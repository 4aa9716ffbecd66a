"""Forms for recording people and events; values are checked again by the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jisheng.areas.codes import code_range
from jisheng.areas.models import Area, Level
from jisheng.areas.scoping import user_prefix

from .codes import ContraceptiveMethod, Relation, Sex
from .models import Marriage


def village_choices(user: Any) -> list[tuple[str, str]]:
    prefix = user_prefix(user)
    if prefix is None:
        return []
    villages = Area.objects.filter(level=Level.VILLAGE, code__range=code_range(prefix), valid_to__isnull=True)
    return [(area.code, f"{area.code} {area.name}") for area in villages.order_by("code")[:2000]]


class DateInput(forms.DateInput):
    input_type = "date"


class PersonForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=32)
    id_number = forms.CharField(label=_("resident ID number"), max_length=24)
    village = forms.ChoiceField(label=_("village"))
    phone = forms.CharField(label=_("phone"), max_length=20, required=False)
    address = forms.CharField(label=_("address"), max_length=128, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = village_choices(user)


class BirthForm(forms.Form):
    child_name = forms.CharField(label=_("child's name"), max_length=32)
    date = forms.DateField(label=_("date of birth"), widget=DateInput)
    sex = forms.ChoiceField(label=_("sex"), choices=Sex.choices)
    child_id_number = forms.CharField(label=_("child's ID number"), max_length=24, required=False)
    weight_grams = forms.IntegerField(
        label=_("birth weight (g)"), min_value=300, max_value=8000, required=False
    )
    place = forms.CharField(label=_("place of birth"), max_length=64, required=False)


class ContraceptionForm(forms.Form):
    method = forms.ChoiceField(label=_("method"), choices=ContraceptiveMethod.choices)
    start_date = forms.DateField(label=_("start date"), widget=DateInput)
    provider = forms.CharField(label=_("provider"), max_length=64, required=False)


class MoveForm(forms.Form):
    village = forms.ChoiceField(label=_("new village"))
    date = forms.DateField(label=_("date"), widget=DateInput)
    note = forms.CharField(label=_("note"), max_length=128, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = village_choices(user)


class DeathForm(forms.Form):
    date = forms.DateField(label=_("date of death"), widget=DateInput)
    note = forms.CharField(label=_("note"), max_length=128, required=False)


class MarriageForm(forms.Form):
    spouse_id_number = forms.CharField(label=_("spouse's ID number"), max_length=24)
    date = forms.DateField(label=_("date of marriage"), widget=DateInput)
    kind = forms.ChoiceField(label=_("kind"), choices=Marriage.Kind.choices)
    certificate_number = forms.CharField(
        label=_("marriage certificate number"), max_length=32, required=False
    )


class HouseholdMemberForm(forms.Form):
    household_number = forms.CharField(label=_("household number"), max_length=32)
    relation = forms.ChoiceField(label=_("relation to head"), choices=Relation.choices)
