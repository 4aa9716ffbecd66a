from typing import Any

from django.apps import AppConfig
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability


class BenefitsConfig(AppConfig):
    name = "jisheng.benefits"
    label = "benefits"
    verbose_name = _("Benefit programmes")
    nav_items = [
        {
            "label": _("Benefits"),
            "url": "benefits:index",
            "visible": lambda user: permissions.holds(user, Capability.READ_BENEFITS),
        },
    ]

    def home_cards(self, user: Any) -> list[dict[str, Any]]:
        """Batches waiting for the step this user can take."""
        from django.urls import reverse

        from . import queries

        if (
            getattr(user, "area", None) is None
            or user.is_read_only
            or not permissions.holds(user, Capability.READ_BENEFITS)
        ):
            return []
        counts = queries.waiting_counts(user)
        steps = [
            (
                Capability.START_NOTICE,
                "proposed",
                _("Benefit batches to put on public notice"),
                _("Start the village public notice."),
            ),
            (
                Capability.START_NOTICE,
                "proposed",
                _("Benefit batches to put on public notice"),
                _("Start the village public notice."),
            ),
            (
                Capability.REVIEW_BATCH,
                "notice",
                _("Benefit batches waiting for first review"),
                _("Review after the notice period."),
            ),
            (
                Capability.APPROVE_BATCH,
                "reviewed",
                _("Benefit batches waiting for approval"),
                _("Approve or send back."),
            ),
            (
                Capability.PAY_BATCH,
                "approved",
                _("Benefit batches to pay"),
                _("Prepare the bank file and record the results."),
            ),
        ]
        cards, seen = [], set()
        for capability, status, title, note in steps:
            if permissions.holds(user, capability) and counts.get(status) and status not in seen:
                seen.add(status)
                url = reverse("benefits:index") + f"?status={status}"
                cards.append({"title": title, "value": counts[status], "url": url, "note": note})
        return cards

    def person_timeline(self, person: Any, user: Any) -> list[dict[str, Any]]:
        """Benefit lines, payments and stopped benefits of one person, as the user may see them."""
        from django.urls import reverse

        from .models import Enrolment, Line, Payment

        entries: list[dict[str, Any]] = []
        for line in Line.objects.visible_to(user).filter(person=person).select_related("batch"):
            entries.append(
                {
                    "date": timezone.localdate(line.batch.created_at),
                    "title": _("Benefit proposed: %(name)s %(year)s")
                    % {"name": line.batch.programme_name, "year": line.batch.year},
                    "detail": f"{line.amount} 元 · {line.batch.get_status_display()}",
                    "url": reverse("benefits:batch", args=[line.batch_id]),
                }
            )
        for payment in (
            Payment.objects.visible_to(user)
            .filter(person=person)
            .exclude(settled_at=None)
            .select_related("line")
        ):
            entries.append(
                {
                    "date": timezone.localdate(payment.settled_at) if payment.settled_at else None,
                    "title": _("Benefit payment %(status)s") % {"status": payment.get_status_display()},
                    "detail": f"{payment.programme_id} {payment.period} {payment.amount} 元 {payment.failure_reason}".strip(),
                    "url": reverse("benefits:batch", args=[payment.line.batch_id]),
                }
            )
        for enrolment in Enrolment.objects.visible_to(user).filter(person=person, status="stopped"):
            entries.append(
                {
                    "date": timezone.localdate(enrolment.stopped_at) if enrolment.stopped_at else None,
                    "title": _("Benefit stopped"),
                    "detail": f"{enrolment.programme_id}: {enrolment.stop_reason}",
                    "url": reverse("benefits:enrolments"),
                }
            )
        return entries
