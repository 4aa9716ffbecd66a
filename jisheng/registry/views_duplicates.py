"""Probable duplicates: the list, a side-by-side comparison, merge or mark distinct, and a new scan."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jisheng.accounts import permissions
from jisheng.accounts.http import AuthenticatedHttpRequest
from jisheng.accounts.permissions import Capability
from jisheng.areas.scoping import get_visible_or_404

from .duplicates import duplicate_mark_distinct, duplicate_merge, duplicates_scan
from .models import DuplicateCandidate, Person
from .queries import person_file
from .validation import Refusal


@permissions.capability_required(Capability.REVIEW_DUPLICATES)
def duplicate_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    status = request.GET.get("status", DuplicateCandidate.Status.PENDING)
    if status not in DuplicateCandidate.Status.values:
        status = DuplicateCandidate.Status.PENDING
    pairs = (
        DuplicateCandidate.objects.visible_to(request.user)
        .filter(status=status)
        .select_related("person_a__residence_area", "person_b__residence_area")
        .order_by("id")[:200]
    )
    can_scan = permissions.holds(request.user, Capability.SCAN_DUPLICATES)
    return render(
        request,
        "registry/duplicates.html",
        {
            "pairs": pairs,
            "status": status,
            "statuses": DuplicateCandidate.Status.choices,
            "can_scan": can_scan,
        },
    )


@permissions.capability_required(Capability.REVIEW_DUPLICATES)
def duplicate_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    candidate = get_visible_or_404(
        DuplicateCandidate.objects.select_related("person_a", "person_b"), request.user, pk=pk
    )
    files = [person_file(candidate.person_a, request.user), person_file(candidate.person_b, request.user)]
    return render(request, "registry/duplicate_detail.html", {"candidate": candidate, "files": files})


@require_POST
@permissions.capability_required(Capability.REVIEW_DUPLICATES)
def duplicate_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    candidate = get_visible_or_404(DuplicateCandidate.objects.all(), request.user, pk=pk)
    decision = request.POST.get("decision", "")
    note = request.POST.get("note", "")
    try:
        if decision == "merge":
            # Merging cannot be undone: it asks for a ticked confirmation and a reason (kept in the audit).
            if request.POST.get("confirm") != "yes":
                raise Refusal(_("confirmation"), _("tick the box to confirm that merging cannot be undone"))
            if not note.strip():
                raise Refusal(_("reason for merging"), _("give the reason for merging"))
            survivor_pk = request.POST.get("survivor", "")
            if survivor_pk not in (str(candidate.person_a_id), str(candidate.person_b_id)):
                raise Refusal(_("survivor"), _("choose which record to keep"))
            survivor = Person.objects.get(pk=int(survivor_pk))
            duplicate_merge(candidate=candidate, survivor=survivor, note=note, by=request.user)
            messages.success(
                request, _("The records were merged; every event now belongs to the kept record.")
            )
        elif decision == "distinct":
            duplicate_mark_distinct(candidate=candidate, note=note, by=request.user)
            messages.success(request, _("Marked as different persons; this pair will not be proposed again."))
        else:
            raise Refusal(_("decision"), _("choose merge or different persons"))
    except Refusal as refusal:
        messages.error(request, str(refusal))
        return redirect("registry:duplicate_detail", pk=candidate.pk)
    except PermissionDenied:
        messages.error(request, _("You may not change records of this area."))
        return redirect("registry:duplicate_detail", pk=candidate.pk)
    return redirect("registry:duplicates")


@require_POST
@permissions.capability_required(Capability.SCAN_DUPLICATES)
def duplicate_scan(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.user.is_read_only:  # type: ignore[union-attr]
        raise PermissionDenied
    found = duplicates_scan(by=request.user)
    messages.success(request, _("%(count)s new probable duplicates found.") % {"count": found})
    return redirect("registry:duplicates")
