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
        from jisheng.registry import timeline

        return timeline.entries_of(self, person, user)

    def person_timeline_rows(self, person: Any, user: Any) -> list[Any]:
        """Lines, settled payments and stopped enrolments (read with the other apps' rows)."""
        from jisheng.registry import timeline

        from .models import Enrolment, Line, Payment

        lines = Line.objects.visible_to(user).filter(person=person)
        payments = Payment.objects.visible_to(user).filter(person=person).exclude(settled_at=None)
        stopped = Enrolment.objects.visible_to(user).filter(person=person, status="stopped")
        return [
            timeline.rows(
                lines, "line", moment="batch__created_at", ref="batch_id", number="batch__year",
                amount="amount", text1="batch__programme_name", text2="batch__status",
            ),
            timeline.rows(
                payments, "payment", moment="settled_at", ref="line__batch_id", amount="amount",
                text1="programme_id", text2="period", text3="status", text4="failure_reason",
            ),
            timeline.rows(stopped, "stopped", moment="stopped_at", text1="programme_id", text2="stop_reason"),
        ]  # fmt: skip

    def person_timeline_entries(self, rows: list[Any]) -> list[dict[str, Any]]:
        from django.urls import reverse

        from .models import Batch, Payment

        batch_statuses = dict(Batch._meta.get_field("status").flatchoices)
        payment_statuses = dict(Payment._meta.get_field("status").flatchoices)
        ordered = sorted(rows, key=lambda row: row.pk)
        entries: list[dict[str, Any]] = []
        for row in (row for row in ordered if row.kind == "line"):
            entries.append(
                {
                    "date": timezone.localdate(row.moment),
                    "title": _("Benefit proposed: %(name)s %(year)s")
                    % {"name": row.text1, "year": row.number},
                    "detail": f"{row.yuan} 元 · {batch_statuses.get(row.text2, row.text2)}",
                    "url": reverse("benefits:batch", args=[row.ref]),
                }
            )
        for row in (row for row in ordered if row.kind == "payment"):
            status = payment_statuses.get(row.text3, row.text3)
            entries.append(
                {
                    "date": timezone.localdate(row.moment) if row.moment else None,
                    "title": _("Benefit payment %(status)s") % {"status": status},
                    "detail": f"{row.text1} {row.text2} {row.yuan} 元 {row.text4}".strip(),
                    "url": reverse("benefits:batch", args=[row.ref]),
                }
            )
        for row in (row for row in ordered if row.kind == "stopped"):
            entries.append(
                {
                    "date": timezone.localdate(row.moment) if row.moment else None,
                    "title": _("Benefit stopped"),
                    "detail": f"{row.text1}: {row.text2}",
                    "url": reverse("benefits:enrolments"),
                }
            )
        return entries
