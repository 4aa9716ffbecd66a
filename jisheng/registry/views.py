"""Registry pages: search (with htmx live results), the person file, reveal and export. Thin: reads go
through queries.py, changes through services.py."""

from __future__ import annotations

import io
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from jisheng.accounts import permissions
from jisheng.accounts.http import AuthenticatedHttpRequest
from jisheng.accounts.permissions import Capability
from jisheng.areas.scoping import get_visible_or_404
from jisheng.audit.disclosure import clean_reason, disclosure_record

from .codes import PersonStatus
from .exports import COLUMNS, EXPORT_PERSONAL_FIELDS, MAX_EXPORT_ROWS, write_persons_xlsx
from .models import Person
from .queries import SearchCriteria, person_file, person_search, person_search_queryset, visible_person
from .services import person_reveal
from .validation import Refusal


def criteria_from(params: Any) -> SearchCriteria:
    def number(name: str) -> int | None:
        value = (params.get(name) or "").strip()
        return int(value) if value.isdigit() else None

    status = params.get("status", "")
    return SearchCriteria(
        q=params.get("q", "")[:64],
        area_code=(params.get("area") or "").strip()[:12]
        if (params.get("area") or "").strip().isdigit()
        else "",
        status=status if status in PersonStatus.values else "",
        age_min=number("age_min"),
        age_max=number("age_max"),
        household=(params.get("household") or "").strip()[:32],
    )


@permissions.capability_required(Capability.READ_REGISTRY)
def search(request: AuthenticatedHttpRequest) -> HttpResponse:
    criteria = criteria_from(request.GET)
    context = {
        "criteria": criteria,
        "results": person_search(request.user, criteria),
        "statuses": PersonStatus.choices,
        "query_string": request.GET.urlencode(),
        "can_edit": _can_edit(request.user),
    }
    template = "registry/_results.html" if request.headers.get("HX-Request") else "registry/search.html"
    return render(request, template, context)


@permissions.capability_required(Capability.READ_REGISTRY)
def export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """An export of full ID numbers and phones is a disclosure: the page first says how many persons
    the filter holds and asks why; the file is handed over only on POST, after its audit event."""
    params = request.POST if request.method == "POST" else request.GET
    criteria = criteria_from(params)
    queryset = person_search_queryset(request.user, criteria)
    count = min(queryset.count(), MAX_EXPORT_ROWS)
    context: dict[str, Any] = {"criteria": criteria, "count": count, "params": params, "error": ""}
    if request.method != "POST":
        return render(request, "registry/export.html", context)
    try:
        reason = clean_reason(request.POST.get("reason"))
    except ValidationError as exc:
        context["error"] = " ".join(exc.messages)
        context["reason"] = request.POST.get("reason", "")
        return render(request, "registry/export.html", context, status=400)
    rows = queryset.order_by("residence_area_id", "id").values_list(*COLUMNS)
    out = io.BytesIO()
    written = write_persons_xlsx(rows[:MAX_EXPORT_ROWS].iterator(chunk_size=5000), out)
    disclosure_record(
        by=request.user,
        kind="registry_export",
        count=written,
        fields=EXPORT_PERSONAL_FIELDS,
        filters=criteria_filters(criteria),
        reason=reason,
    )
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="persons-{stamp}.xlsx"'
    response["Cache-Control"] = "no-store"
    return response


def criteria_filters(criteria: SearchCriteria) -> dict[str, Any]:
    """The filter of an export as the audit event keeps it."""
    return {
        "q": criteria.q,
        "area": criteria.area_code,
        "status": criteria.status,
        "age_min": criteria.age_min,
        "age_max": criteria.age_max,
        "household": criteria.household,
    }


@permissions.capability_required(Capability.READ_REGISTRY)
def person_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    # The person is read by a statement kept for the reader's area (one not found is looked up the
    # usual way, for its 404); the file reads the household and the residence area itself.
    person = visible_person(request.user, pk) or get_visible_or_404(Person.objects.all(), request.user, pk=pk)
    context = {
        "file": person_file(person, request.user),
        "person": person,
        "can_edit": _can_edit(request.user),
    }
    return render(request, "registry/person.html", context)


def _can_edit(user: Any) -> bool:
    return permissions.holds(user, Capability.RECORD_VITAL_EVENTS)


@require_POST
@permissions.capability_required(Capability.READ_REGISTRY)
def person_reveal_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    person = get_visible_or_404(Person.objects.all(), request.user, pk=pk)
    field = request.POST.get("field", "id_number")
    reason = request.POST.get("reason", "")
    try:
        value = person_reveal(person=person, field=field, reason=reason, by=request.user)
    except Refusal as refusal:
        return render(
            request,
            "registry/_reveal.html",
            {"person": person, "field": field, "error": refusal.reason},
            status=200,
        )
    except PermissionDenied:
        raise
    return render(request, "registry/_revealed.html", {"value": value, "field": field})
