"""The staff's follow-up list of bad ratings (差评回访) and of residents' appeals against a reply."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.http import AuthenticatedHttpRequest
from jisheng.accounts.permissions import Capability
from jisheng.areas.scoping import get_visible_or_404

from . import services
from .models import Rating, RatingLevel


@permissions.capability_required(Capability.READ_HALL_RECORDS)
def ratings(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        rating = get_visible_or_404(
            Rating.objects.select_related("application"), request.user, pk=request.POST.get("rating") or 0
        )
        try:
            if request.POST.get("action") == "appeal":
                services.rating_appeal_answer(
                    rating=rating, answer=request.POST.get("answer", ""), by=request.user
                )
            else:
                services.rating_reply(rating=rating, reply=request.POST.get("reply", ""), by=request.user)
            messages.success(request, _("The reply has been recorded."))
        except (ValidationError, PermissionDenied) as exc:
            for message in getattr(exc, "messages", [str(exc)]):
                messages.error(request, message)
        return redirect("hall:ratings")
    # Unanswered first (bad ratings and appeals alike), by their due day; answered ones stay for the record.
    bad = (
        Rating.objects.visible_to(request.user)
        .filter(Q(level__lte=RatingLevel.DISSATISFIED) | Q(appealed_at__isnull=False))
        .select_related("application", "replied_by", "appeal_replied_by")
        .order_by("replied_at", "follow_up_due", "-appealed_at")
    )
    return render(request, "hall/ratings.html", {"ratings": bad[:300], "today": timezone.localdate()})
