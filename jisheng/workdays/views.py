from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jisheng.accounts import permissions
from jisheng.accounts.http import AuthenticatedHttpRequest
from jisheng.accounts.permissions import Capability

from . import services
from .models import CalendarDay
from .seed import holiday_name


class DayForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    is_working_day = forms.BooleanField(label=gettext_lazy("Working day"), required=False)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=64, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file (date,休/班,note)"))


@permissions.capability_required(Capability.MANAGE_CALENDAR)
def calendar_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    day_form = DayForm(prefix="day")
    import_form = ImportForm(prefix="imp")
    if request.method == "POST":
        try:
            if "day-day" in request.POST:
                day_form = DayForm(request.POST, prefix="day")
                if day_form.is_valid():
                    services.calendar_set_day(by=request.user, **day_form.cleaned_data)
                    messages.success(request, _("The day has been saved."))
                    return redirect(f"{request.path}?year={day_form.cleaned_data['day'].year}")
            else:
                import_form = ImportForm(request.POST, request.FILES, prefix="imp")
                if import_form.is_valid():
                    upload = import_form.cleaned_data["file"]
                    text = upload.read().decode("utf-8-sig", errors="replace")
                    year = services.calendar_import_csv(text=text, by=request.user, source_name=upload.name)
                    messages.success(
                        request, _("The calendar of %(year)s has been imported.") % {"year": year}
                    )
                    return redirect(f"{request.path}?year={year}")
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
    # Loading the calendar first fills a provisional next year, so its holidays are listed too.
    covered = services.covered_years()
    # Only the days that differ from the plain weekday/weekend rule are worth listing.
    special = [
        day
        for day in CalendarDay.objects.filter(date__year=year)
        if day.is_working_day != (day.date.weekday() < 5)
    ]
    for day in special:
        day.note = holiday_name(day.note)
    return render(
        request,
        "workdays/calendar.html",
        {
            "year": year,
            "years": sorted(covered),
            "special": special,
            "covered": year in services.covered_years(),
            "provisional": year in services.provisional_years(),
            "day_form": day_form,
            "import_form": import_form,
        },
    )
