"""Forms for recording people and events; values are checked again by the services.

Every field that takes an ID number, a phone, a name or a date cleans it with ``jisheng.core.text``,
the same functions the import, the portal and the API use: a full-width ID with a lower-case x is
accepted at the counter as it is in a spreadsheet, and a refusal shows on its field with every other
value the clerk typed kept (a bound Django form re-renders what was posted).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jisheng.areas.codes import code_range
from jisheng.areas.models import Area, Level
from jisheng.areas.scoping import user_prefix
from jisheng.core import text

from .codes import ContraceptiveMethod, HukouType, PersonStatus, Relation, Sex
from .models import Marriage


def village_choices(user: Any) -> list[tuple[str, str]]:
    prefix = user_prefix(user)
    if prefix is None:
        return []
    villages = Area.objects.filter(level=Level.VILLAGE, code__range=code_range(prefix), valid_to__isnull=True)
    return [(area.code, f"{area.code} {area.name}") for area in villages.order_by("code")[:2000]]


class DateInput(forms.DateInput):
    input_type = "date"


class IdNumberField(forms.CharField):
    """A resident ID number, checked by GB 11643 (check digit, birth date) and normalised."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 32)  # room for full-width digits and spaces between groups
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        return text.check_id_number(value).number if value else ""


class PhoneField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        return text.normalize_phone(super().clean(value))


class NameField(forms.CharField):
    """A name as written (traditional characters stay), without spaces."""

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        return text.normalize_name(value) if value else ""


class TypedDateField(forms.DateField):
    """A date from the picker, or typed as 1988年3月5日, 1988.3.5 or 19880305 where it has none."""

    widget = DateInput

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        return text.parse_date(value, serials=False)


class PersonForm(forms.Form):
    name = NameField(label=pgettext_lazy("person", "name"), max_length=40)
    id_number = IdNumberField(label=_("resident ID number"))
    village = forms.ChoiceField(label=_("village"))
    phone = PhoneField(label=_("phone"), required=False)
    address = forms.CharField(label=_("address"), max_length=128, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        village = self.fields["village"]
        assert isinstance(village, forms.ChoiceField)
        village.choices = village_choices(user)


class BirthForm(forms.Form):
    child_name = NameField(label=_("child's name"), max_length=40)
    date = TypedDateField(label=_("date of birth"))
    sex = forms.ChoiceField(label=_("sex"), choices=Sex.choices)
    child_id_number = IdNumberField(label=_("child's ID number"), required=False)
    weight_grams = forms.IntegerField(
        label=_("birth weight (g)"), min_value=300, max_value=8000, required=False
    )
    place = forms.CharField(label=_("place of birth"), max_length=64, required=False)


class ContraceptionForm(forms.Form):
    method = forms.ChoiceField(label=_("method"), choices=ContraceptiveMethod.choices)
    start_date = TypedDateField(label=_("start date"))
    provider = forms.CharField(label=_("provider"), max_length=64, required=False)


class MoveForm(forms.Form):
    village = forms.ChoiceField(label=_("new village"))
    date = TypedDateField(label=_("date"))
    note = forms.CharField(label=_("note"), max_length=128, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        village = self.fields["village"]
        assert isinstance(village, forms.ChoiceField)
        village.choices = village_choices(user)


class DeathForm(forms.Form):
    date = TypedDateField(label=_("date of death"))
    note = forms.CharField(label=_("note"), max_length=128, required=False)


class MarriageForm(forms.Form):
    spouse_id_number = IdNumberField(label=_("spouse's ID number"))
    date = TypedDateField(label=_("date of marriage"))
    kind = forms.ChoiceField(label=_("kind"), choices=Marriage.Kind.choices)
    certificate_number = forms.CharField(
        label=_("marriage certificate number"), max_length=32, required=False
    )


class HouseholdMemberForm(forms.Form):
    household_number = forms.CharField(label=_("household number"), max_length=32)
    relation = forms.ChoiceField(label=_("relation to head"), choices=Relation.choices)


class StatusForm(forms.Form):
    """Living here, living away (外出) or moved out; a death has its own form."""

    status = forms.ChoiceField(
        label=_("status"),
        choices=[(s.value, s.label) for s in (PersonStatus.ALIVE, PersonStatus.AWAY, PersonStatus.MOVED_OUT)],
    )
    note = forms.CharField(label=_("note"), max_length=128, required=False)


class HouseholdForm(forms.Form):
    """The address and hukou type of the person's household."""

    address = forms.CharField(label=_("address"), max_length=128)
    hukou_type = forms.ChoiceField(label=_("hukou type"), choices=HukouType.choices)


class LeaveHouseholdForm(forms.Form):
    confirm = forms.BooleanField(label=_("Take this person off their household"))


class DivorceForm(forms.Form):
    date = TypedDateField(label=_("date of divorce"))
