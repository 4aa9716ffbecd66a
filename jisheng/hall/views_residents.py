"""The portal for residents: a service guide (办事指南), its blank forms, the pledge page, appealing the
office's reply to a rating."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jisheng.certificates.pdf import render_pdf
from jisheng.core.actor import Resident

from . import portal_kept, queries, services
from .models import Rating, ServiceItem, ServiceOffice
from .views_portal import _allowed_case


def contacts() -> dict[str, Any]:
    """What every guide and the pledge page print: shared hours and hotlines, then each township office."""
    offices = list(ServiceOffice.objects.all())
    default = next((office for office in offices if office.code == "default"), None)
    return {"default": default, "offices": [office for office in offices if office.code != "default"]}


def _guide_drawn(code: str) -> tuple[str, SafeString]:
    """The item's name (for the page's title) and the guide's body, drawn from no request."""
    item = get_object_or_404(ServiceItem.objects.prefetch_related("materials"), code=code)
    context = {"item": item, "in_force": item.is_effective(timezone.localdate()), **contacts()}
    return item.name, mark_safe(render_to_string("hall/portal/guide_body.html", context))  # noqa: S308


def guide(request: HttpRequest, code: str) -> HttpResponse:
    # Kept per item code (an unknown code raises 404 before anything is kept).
    name, body = portal_kept.kept(f"guide:{code}", lambda: _guide_drawn(code))
    return render(request, "hall/portal/guide.html", {"item_name": name, "body": body})


def blank_form(request: HttpRequest, code: str, material: str) -> HttpResponse:
    """A material the office supplies as a form, blank, to print and fill in at home."""
    item = get_object_or_404(ServiceItem, code=code)
    form = item.materials.filter(code=material).first()
    if form is None or not form.form_fields:
        raise Http404
    content = render_pdf("hall/pdf/blank_form.html", {"item": item, "material": form})
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{item.code}-{form.code}.pdf"'
    return response


def pledges(request: HttpRequest) -> HttpResponse:
    """公开承诺: only the items in force today, with the channels to complain when a promise is broken."""
    return render(
        request,
        "hall/portal/pledges.html",
        {"items": queries.effective_items(), "offices_on_time": queries.office_pledges(), **contacts()},
    )


@require_POST
def appeal(request: HttpRequest, number: str) -> HttpResponse:
    """申诉: the resident is not satisfied with the office's reply to their rating."""
    application = _allowed_case(request, number)
    rating = get_object_or_404(Rating, application=application)
    try:
        services.rating_appeal(
            rating=rating, text=request.POST.get("appeal", ""), by=Resident(reference=number)
        )
        messages.success(request, _("Your appeal has been received; the township head will answer it."))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("hall:portal_case", number=number)
