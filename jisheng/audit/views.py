from datetime import datetime, time

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jisheng.accounts.decorators import role_required
from jisheng.areas.scoping import get_visible_or_404

from .models import AuditEvent
from .services import verify_chain

AUDIT_READERS = ("auditor", "audit_admin")


class EventFilter(forms.Form):
    q = forms.CharField(label=_("Username, object or action"), required=False)
    action = forms.CharField(label=_("Action"), required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


@role_required(*AUDIT_READERS)
def event_list(request: HttpRequest) -> HttpResponse:
    events = AuditEvent.objects.visible_to(request.user).order_by("-id")
    form = EventFilter(request.GET or None)
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            events = events.filter(
                Q(actor_username__icontains=data["q"])
                | Q(object_repr__icontains=data["q"])
                | Q(object_id=data["q"])
            )
        if data["action"]:
            events = events.filter(action__startswith=data["action"])
        tz = timezone.get_current_timezone()
        if data["date_from"]:
            events = events.filter(at__gte=datetime.combine(data["date_from"], time.min, tzinfo=tz))
        if data["date_to"]:
            events = events.filter(at__lte=datetime.combine(data["date_to"], time.max, tzinfo=tz))
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    template = "audit/_rows.html" if request.htmx else "audit/events.html"  # type: ignore[attr-defined]
    chain = verify_chain() if request.GET.get("verify") else None
    return render(request, template, {"page": page, "form": form, "chain": chain})


@role_required(*AUDIT_READERS)
def event_detail(request: HttpRequest, event_id: int) -> HttpResponse:
    event = get_visible_or_404(AuditEvent.objects.all(), request.user, pk=event_id)
    return render(request, "audit/event.html", {"event": event})
