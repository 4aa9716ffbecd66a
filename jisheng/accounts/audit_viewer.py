"""The auditor's viewer of the audit trail. It lives in accounts, not in audit: the trail sits below
every app (each service writes to it), while a page that checks roles sits above accounts."""

from datetime import datetime, time

from django import forms
from django.apps import apps
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jisheng.areas.scoping import get_visible_or_404
from jisheng.audit.actions import action_label, kind_choices, prefixes_of_kind
from jisheng.audit.models import AuditEvent
from jisheng.audit.services import verify_chain

from .permissions import Capability, capability_required


class EventFilter(forms.Form):
    q = forms.CharField(label=_("Username, object or action"), required=False)
    kind = forms.ChoiceField(label=_("Kind of action"), required=False, choices=())
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["kind"].choices = [("", _("any"))] + kind_choices()  # type: ignore[attr-defined]


def _object_type_words(object_type: str) -> str:
    """ "registry.person" → the model's own name (人员); a type no longer installed stays as stored."""
    try:
        return str(apps.get_model(object_type)._meta.verbose_name) if "." in object_type else object_type
    except LookupError:
        return object_type


def _in_words(events: list[AuditEvent]) -> list[AuditEvent]:
    """Attach the action's words and the area's name: the trail keeps codes, readers read names.

    The Area model is looked up through the app registry because audit sits below areas.
    """
    area_model = apps.get_model("areas", "Area")
    names = dict(
        area_model.objects.filter(code__in={e.area_code for e in events}).values_list("code", "name")
    )
    role_field = apps.get_model("accounts", "Role")._meta.get_field("code")
    role_names = {code: str(label) for code, label in role_field.choices or ()}  # type: ignore[misc]
    for event in events:
        event.role_words = "、".join(  # type: ignore[attr-defined]
            role_names.get(code, code) for code in event.actor_roles.split(",") if code
        )
        event.object_words = _object_type_words(event.object_type)  # type: ignore[attr-defined]
        event.action_words = action_label(event.action)  # type: ignore[attr-defined]
        event.area_name = names.get(event.area_code, event.area_code)  # type: ignore[attr-defined]
    return events


@capability_required(Capability.READ_AUDIT_TRAIL)
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
        if data["kind"]:
            kind_filter = Q()
            for prefix in prefixes_of_kind(data["kind"]):
                kind_filter |= Q(action__startswith=prefix + ".")
            events = events.filter(kind_filter) if kind_filter else events.none()
        tz = timezone.get_current_timezone()
        if data["date_from"]:
            events = events.filter(at__gte=datetime.combine(data["date_from"], time.min, tzinfo=tz))
        if data["date_to"]:
            events = events.filter(at__lte=datetime.combine(data["date_to"], time.max, tzinfo=tz))
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    page.object_list = _in_words(list(page.object_list))
    template = "audit/_rows.html" if request.htmx else "audit/events.html"  # type: ignore[attr-defined]
    chain = verify_chain() if request.GET.get("verify") else None
    return render(request, template, {"page": page, "form": form, "chain": chain})


@capability_required(Capability.READ_AUDIT_TRAIL)
def event_detail(request: HttpRequest, event_id: int) -> HttpResponse:
    event = get_visible_or_404(AuditEvent.objects.all(), request.user, pk=event_id)
    return render(request, "audit/event.html", {"event": _in_words([event])[0]})
