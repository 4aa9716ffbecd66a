"""Staff pages of the rectification ledger (整改台账) and the walk-around research outings."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability
from jisheng.areas.scoping import get_visible_or_404
from jisheng.core.text import normalize_text
from jisheng.hall import queries as hall_queries
from jisheng.outreach import queries as outreach_queries

from . import queries, services
from .models import (
    LedgerItem,
    LedgerSource,
    Outing,
)
from .views_common import Request, _area, _date, _errors, _staff_of


def _items_from_text(request: Request, text: str) -> list[services.NewItem]:
    """One suggestion a line: item | responsible (username) | office | deadline (a date such as 2026-12-01)."""
    items = []
    for number, line in enumerate([ln for ln in text.splitlines() if ln.strip()], start=1):
        parts = [p.strip() for p in line.replace("｜", "|").split("|")]
        if len(parts) != 4:
            raise ValidationError(
                _("Line %(n)s: write “item | responsible | office | deadline”") % {"n": number}
            )
        title, who, office, deadline = parts
        label = _("Line %(n)s, deadline") % {"n": number}
        items.append(
            services.NewItem(
                title=title,
                responsible=_staff_of(request, who, _("Line %(n)s, responsible") % {"n": number}),
                office=office,
                deadline=_date(deadline, str(label)),
            )
        )
    return items


@permissions.capability_required(Capability.READ_PETITIONS)
def ledger(request: Request) -> HttpResponse:
    status = request.GET.get("status", "")
    items = queries.ledger_list(
        request.user,
        status=status,
        mine=request.GET.get("mine") == "1",
        overdue=request.GET.get("overdue") == "1",
    )
    page = list(items[:200])
    return render(
        request,
        "petitions/ledger.html",
        {
            "items": page,
            "status": status,
            "today": timezone.localdate(),
            "sources": LedgerSource.choices,
            "may_handle": permissions.holds(request.user, Capability.HANDLE_PETITIONS),
            "may_export": permissions.holds(request.user, Capability.EXPORT_PETITION_LEDGER),
            "handoffs": list(outreach_queries.handoffs(request.user)[:20]),
        },
    )


@require_POST
@permissions.capability_required(Capability.HANDLE_PETITIONS)
def ledger_take(request: Request) -> HttpResponse:
    """Take an outreach visit's hand-off, or the hall's bad rating of a case, into the ledger."""
    post = request.POST
    try:
        item = services.NewItem(
            title=post.get("title", ""),
            responsible=_staff_of(request, post.get("responsible", ""), _("Responsible person")),
            office=post.get("office", ""),
            deadline=_date(post.get("deadline", ""), pgettext("rectification", "Deadline")),
        )
        if post.get("handoff"):
            handoff = get_object_or_404(outreach_queries.handoffs(request.user), pk=post.get("handoff"))
            services.ledger_from_handoff(handoff=handoff, item=item, by=request.user)
        else:
            number = normalize_text(post.get("application", "")).upper()
            rating = hall_queries.bad_rating_of_case(request.user, number)
            if rating is None:
                raise ValidationError(_("“Case number”: no bad rating of this case in your area"))
            services.ledger_from_bad_rating(rating=rating, item=item, by=request.user)
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Saved."))
    return redirect("petitions:ledger")


@require_POST
@permissions.capability_required(Capability.HANDLE_PETITIONS)
def ledger_new(request: Request) -> HttpResponse:
    post = request.POST
    try:
        area = _area(request.user, post.get("area"))
        services.ledger_item_create(
            area=area,
            item=services.NewItem(
                title=post.get("title", ""),
                responsible=_staff_of(request, post.get("responsible", ""), _("Responsible person")),
                office=post.get("office", ""),
                deadline=_date(post.get("deadline", ""), pgettext("rectification", "Deadline")),
            ),
            source=post.get("source", ""),
            source_ref=post.get("source_ref", ""),
            by=request.user,
        )
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Saved."))
    return redirect("petitions:ledger")


@permissions.capability_required(Capability.READ_PETITIONS)
def ledger_item(request: Request, pk: int) -> HttpResponse:
    item = get_visible_or_404(
        LedgerItem.objects.select_related("responsible", "outing", "matter"), request.user, pk=pk
    )
    if request.method == "POST":
        post = request.POST
        try:
            if post.get("step") == "close":
                services.ledger_close(
                    item=item,
                    satisfaction=post.get("satisfaction", ""),
                    summary=post.get("summary", ""),
                    by=request.user,
                )
            else:
                services.ledger_progress(
                    item=item, text=post.get("text", ""), evidence=post.get("evidence", ""), by=request.user
                )
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Saved."))
        return redirect("petitions:ledger_item", pk=pk)
    return render(
        request,
        "petitions/ledger_item.html",
        {
            "item": item,
            "notes": item.notes.all(),
            "may_handle": permissions.may(request.user, Capability.HANDLE_PETITIONS, item.area_id),
        },
    )


@require_POST
@permissions.capability_required(Capability.EXPORT_PETITION_LEDGER)
def ledger_export(request: Request) -> HttpResponse:
    items = list(
        queries.ledger_list(request.user, status=request.POST.get("status", "")).prefetch_related("notes")
    )
    try:
        data = services.ledger_export(
            items=items,
            reason=request.POST.get("reason", ""),
            area_code=request.user.area_id or "",
            by=request.user,
        )
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
        return redirect("petitions:ledger")
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="ledger-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


@permissions.capability_required(Capability.READ_PETITIONS)
def outings(request: Request) -> HttpResponse:
    values: dict[str, str] = {}
    if request.method == "POST":
        if not permissions.holds(request.user, Capability.HANDLE_PETITIONS):
            raise PermissionDenied
        values = {
            k: request.POST.get(k, "")
            for k in ("held_on", "title", "walkers", "route", "heard", "groups", "items")
        }
        try:
            area = _area(request.user, None)
            items = _items_from_text(request, values["items"])
            from django.db import transaction

            with transaction.atomic():
                outing = services.outing_record(
                    area=area,
                    held_on=_date(values["held_on"], _("Held on")),
                    title=values["title"],
                    walkers=values["walkers"],
                    route=values["route"],
                    heard=values["heard"],
                    groups=int(values["groups"] or 1),
                    by=request.user,
                )
                if items:
                    services.outing_suggestions_to_ledger(outing=outing, items=items, by=request.user)
        except ValueError:
            messages.error(request, _("“Groups”: enter a number"))
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        else:
            messages.success(
                request,
                _("Outing recorded; %(count)s suggestions put on the ledger.") % {"count": len(items)},
            )
            return redirect("petitions:ledger")
    return render(
        request,
        "petitions/outings.html",
        {
            "outings": list(Outing.objects.visible_to(request.user).select_related("created_by")[:50]),
            "values": values,
        },
    )
