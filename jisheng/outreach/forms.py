"""Forms of the outreach pages: each feeds one service, which checks everything again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class VisitForm(forms.Form):
    household = forms.CharField(
        label=_("household number"), max_length=32, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    visited_on = forms.DateField(label=_("visited on"), widget=DATE)
    visitors = forms.CharField(label=_("who went"), max_length=128, required=False)
    met = forms.CharField(label=_("whom they met"), max_length=128, required=False)
    asked = forms.CharField(label=_("asked for"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    promised = forms.CharField(label=_("promised"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    follow_up_due = forms.DateField(label=_("follow-up due"), required=False, widget=DATE)
    settled_here = forms.BooleanField(label=_("settled in the village, no office needed"), required=False)


class PairingForm(forms.Form):
    household = forms.CharField(label=_("household number"), max_length=32)
    difficulty = forms.CharField(label=_("difficulty"), max_length=128)
    started_on = forms.DateField(label=_("since"), widget=DATE)


class HelpForm(forms.Form):
    given_on = forms.DateField(label=_("given on"), widget=DATE)
    description = forms.CharField(label=_("help given"), max_length=255)
    value = forms.DecimalField(
        label=_("value (yuan)"), required=False, min_value=0, max_digits=12, decimal_places=2
    )


class SettleForm(forms.Form):
    note = forms.CharField(label=_("how it was settled"), max_length=64)


class PrePregnancyForm(forms.Form):
    wife_id = forms.CharField(label=_("wife's resident ID number"), max_length=32)
    husband_id = forms.CharField(label=_("husband's resident ID number"), max_length=32, required=False)
    booked_on = forms.DateField(label=_("booked for"), widget=DATE)
    phone = forms.CharField(
        label=_("mobile number"),
        max_length=20,
        required=False,
        help_text=_("For the service hall's messages; the wife's number in the registry if left empty."),
    )


class PrePregnancyDoneForm(forms.Form):
    done_on = forms.DateField(label=_("checked on"), widget=DATE)
    result = forms.ChoiceField(label=_("result"))
    follow_up = forms.CharField(label=_("follow-up"), max_length=255, required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        from .models import PrePregnancyCheck

        self.fields["result"].choices = [c for c in PrePregnancyCheck.Result.choices if c[0]]  # type: ignore[attr-defined]


class ScreeningInviteForm(forms.Form):
    woman_id = forms.CharField(label=_("resident ID number"), max_length=32)
    kind = forms.ChoiceField(label=_("screening"))
    invited_on = forms.DateField(label=_("invited on"), widget=DATE)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        from .models import Screening

        self.fields["kind"].choices = Screening.Kind.choices  # type: ignore[attr-defined]


class ScreeningResultForm(forms.Form):
    screened_on = forms.DateField(label=_("screened on"), widget=DATE)
    result = forms.ChoiceField(label=_("result"))
    referral = forms.CharField(label=_("referred to"), max_length=128, required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        from .models import Screening

        self.fields["result"].choices = [c for c in Screening.Result.choices if c[0]]  # type: ignore[attr-defined]


class ReferralForm(forms.Form):
    person_id = forms.CharField(label=_("resident ID number"), max_length=32)
    kind = forms.ChoiceField(label=_("referral"))
    referred_on = forms.DateField(label=_("referred on"), widget=DATE)
    referred_to = forms.CharField(label=_("referred to"), max_length=128)
    reason = forms.CharField(label=_("reason"), max_length=255, required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        from .models import HealthReferral

        self.fields["kind"].choices = HealthReferral.Kind.choices  # type: ignore[attr-defined]


class ReceiveForm(forms.Form):
    item = forms.ChoiceField(label=pgettext_lazy("stock", "item"))
    quantity = forms.IntegerField(label=_("quantity"), min_value=1)
    expires_on = forms.DateField(label=_("expires on"), required=False, widget=DATE)
    received_on = forms.DateField(label=pgettext_lazy("stock", "received on"), widget=DATE)
    note = forms.CharField(label=_("note"), max_length=128, required=False)


class TransferForm(forms.Form):
    item = forms.ChoiceField(label=pgettext_lazy("stock", "item"))
    to_area = forms.ChoiceField(label=_("send to"))
    quantity = forms.IntegerField(label=_("quantity"), min_value=1)
    moved_on = forms.DateField(label=_("date"), widget=DATE)


class HandOutForm(forms.Form):
    item = forms.ChoiceField(label=pgettext_lazy("stock", "item"))
    quantity = forms.IntegerField(label=_("quantity"), min_value=1)
    person_id = forms.CharField(label=_("to the person (resident ID number)"), max_length=32, required=False)
    campaign = forms.ChoiceField(label=_("or at the event"), required=False)
    moved_on = forms.DateField(label=_("date"), widget=DATE)


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=64)
    kind = forms.ChoiceField(label=_("kind"))
    starts_on = forms.DateField(label=_("from"), widget=DATE)
    ends_on = forms.DateField(label=_("to"), widget=DATE)
    places = forms.CharField(label=_("places"), max_length=255)
    staff = forms.CharField(label=_("staff"), max_length=255, required=False)
    services = forms.CharField(label=_("services given"), max_length=255, required=False)
    people_reached = forms.IntegerField(label=_("people reached"), min_value=0, initial=0)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        from .models import Campaign

        self.fields["kind"].choices = Campaign.Kind.choices  # type: ignore[attr-defined]


class GiftForm(forms.Form):
    occasion = forms.ChoiceField(label=_("occasion"))
    money = forms.DecimalField(
        label=_("money (yuan)"), min_value=0, max_digits=12, decimal_places=2, initial=0
    )
    goods = forms.CharField(label=_("goods"), max_length=128, required=False)
    goods_value = forms.DecimalField(
        label=_("value of goods (yuan)"), min_value=0, max_digits=12, decimal_places=2, initial=0
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        from .models import CareGift

        self.fields["occasion"].choices = CareGift.Occasion.choices  # type: ignore[attr-defined]


class NeedForm(forms.Form):
    area = forms.ChoiceField(label=_("area"))
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label=_("kind"))
    title = forms.CharField(label=pgettext_lazy("project", "title"), max_length=128)
    description = forms.CharField(
        label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    cost = forms.DecimalField(label=_("estimated cost (yuan)"), min_value=0, max_digits=12, decimal_places=2)
    urgency = forms.IntegerField(label=_("urgency (0–10)"), min_value=0, max_value=10, initial=5)
    people_served = forms.IntegerField(label=_("people served"), min_value=0, initial=0)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        from .models import Need

        self.fields["kind"].choices = Need.Kind.choices  # type: ignore[attr-defined]


class AllocationForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    budget = forms.DecimalField(label=_("budget (yuan)"), min_value=0, max_digits=14, decimal_places=2)


class InspectionForm(forms.Form):
    inspected_on = forms.DateField(label=_("inspected on"), widget=DATE)
    verdict = forms.ChoiceField(label=_("verdict"))
    findings = forms.CharField(
        label=pgettext_lazy("inspection", "findings"), widget=forms.Textarea(attrs={"rows": 3})
    )
    photo = forms.FileField(label=_("photo"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        from .models import Inspection

        self.fields["verdict"].choices = Inspection.Verdict.choices  # type: ignore[attr-defined]


class FundForm(forms.Form):
    kind = forms.ChoiceField(label=_("entry"))
    amount = forms.DecimalField(label=_("amount (yuan)"), min_value=0, max_digits=12, decimal_places=2)
    entered_on = forms.DateField(label=_("date"), widget=DATE)
    note = forms.CharField(label=_("note"), max_length=128, required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        from .models import FundEntry

        self.fields["kind"].choices = FundEntry.Kind.choices  # type: ignore[attr-defined]


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("milestone"), max_length=128)
    due = forms.DateField(label=_("due"), widget=DATE)


class ImplementerForm(forms.Form):
    implementer = forms.CharField(label=_("implementing unit"), max_length=128)


class PairingEndForm(forms.Form):
    ended_on = forms.DateField(label=_("ended on"), widget=DATE)
    reason = forms.CharField(label=_("why it ends"), max_length=255)


class ReferralOutcomeForm(forms.Form):
    outcome = forms.CharField(
        label=_("outcome"), max_length=255, widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"})
    )


class GiftRefuseForm(forms.Form):
    reason = forms.CharField(label=_("reason for refusing"), max_length=255)


class PrePregnancyCancelForm(forms.Form):
    reason = forms.CharField(label=_("reason for cancelling"), max_length=255)


class GiftGivenForm(forms.Form):
    given_on = forms.DateField(label=_("handed over on"), widget=DATE)


class ProjectFinishForm(forms.Form):
    accepted = forms.BooleanField(
        label=_("The works were inspected and are accepted as finished"), required=True
    )
