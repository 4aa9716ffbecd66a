import datetime
from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _holds(capability: str) -> Any:
    def visible(user: Any) -> bool:
        from jisheng.accounts import permissions
        from jisheng.accounts.permissions import Capability

        return permissions.holds(user, Capability(capability))

    return visible


class OutreachConfig(AppConfig):
    name = "jisheng.outreach"
    label = "outreach"
    verbose_name = _("Outreach")
    nav_items: list[dict[str, object]] = [
        {"label": _("Outreach"), "url": "outreach:index", "visible": _holds("outreach.read")},
    ]

    def ready(self) -> None:
        """A booking of the hall's bookable pre-pregnancy item becomes the couple's check, and the case's
        refusal, decline or withdrawal cancels it, and its reopening on review books it again (hall hooks)."""
        from jisheng.hall import hooks

        from .services.health import (
            HALL_ITEM,
            prepregnancy_from_booking,
            prepregnancy_from_hall_closed,
            prepregnancy_from_hall_reopened,
        )

        hooks.on_booking(HALL_ITEM, prepregnancy_from_booking)
        hooks.on_closed(HALL_ITEM, prepregnancy_from_hall_closed)
        hooks.on_reopened(HALL_ITEM, prepregnancy_from_hall_reopened)

    def home_cards(self, user: Any) -> list[dict[str, Any]]:
        """走访 on the village officer's home: record a visit, and the follow-ups falling due."""
        from django.urls import reverse
        from django.utils import timezone

        from jisheng.accounts import permissions
        from jisheng.accounts.permissions import Capability

        from .models import Visit

        if getattr(user, "is_read_only", True) or not permissions.holds(user, Capability.RECORD_VISITS):
            return []
        today = timezone.localdate()
        due = (
            Visit.objects.visible_to(user)
            .filter(follow_up_due__isnull=False, follow_up_due__lte=today, handoff__status="open")
            .count()
        )
        return [
            {
                "title": _("Household visits"),
                "value": due,
                "url": reverse("outreach:visit_new"),
                "note": _("Follow-ups due today or earlier and still waiting for an office."),
            }
        ]

    def person_timeline(self, person: Any, user: Any) -> list[dict[str, Any]]:
        """Supplies handed out to the person and the health services they had, without their contents
        (health data: the outreach pages reveal them with a reason)."""
        from jisheng.registry import timeline

        return timeline.entries_of(self, person, user)

    def person_timeline_rows(self, person: Any, user: Any) -> list[Any]:
        """Dates and keys only: no health data leaves these tables for the file (read with the other
        apps' rows)."""
        from django.db.models import Q

        from jisheng.registry import timeline

        from .models import HealthReferral, PrePregnancyCheck, Screening, StockMovement

        handouts = StockMovement.objects.visible_to(user).filter(person=person, kind="handout_person")
        checks = PrePregnancyCheck.objects.visible_to(user).filter(Q(wife=person) | Q(husband=person))
        return [
            timeline.rows(handouts, "handout", day="moved_on"),
            timeline.rows(
                Screening.objects.visible_to(user).filter(woman=person), "screening", day="invited_on"
            ),
            timeline.rows(checks, "check", day="booked_on", text1="status"),
            timeline.rows(HealthReferral.objects.visible_to(user).filter(person=person), "referral"),
        ]

    def person_timeline_entries(self, rows: list[Any]) -> list[dict[str, Any]]:
        from django.urls import reverse

        from .models import PrePregnancyCheck

        statuses = dict(PrePregnancyCheck._meta.get_field("status").flatchoices)
        ordered = sorted(rows, key=lambda row: (row.day or datetime.date.min, row.pk), reverse=True)
        entries: list[dict[str, Any]] = []
        for row in (row for row in ordered if row.kind == "handout"):
            entries.append(
                {
                    "date": row.day,
                    "title": _("Supplies handed out"),
                    "detail": _("contents hidden (health data)"),
                    "url": reverse("outreach:supplies"),
                }
            )
        for row in (row for row in ordered if row.kind == "screening"):
            entries.append(
                {
                    "date": row.day,
                    "title": _("Invited to screening"),
                    "detail": _("result hidden (health data)"),
                    "url": reverse("outreach:health") + "?kind=screening",
                }
            )
        for row in (row for row in ordered if row.kind == "check"):
            entries.append(
                {
                    "date": row.day,
                    "title": _("Pre-pregnancy check"),
                    "detail": statuses.get(row.text1, row.text1),
                    "url": reverse("outreach:health") + "?kind=prepregnancy",
                }
            )
        if any(row.kind == "referral" for row in rows):
            entries.append(
                {
                    "date": None,
                    "title": _("Health referral"),
                    "detail": _("hidden (health data)"),
                    "url": reverse("outreach:health") + "?kind=referral",
                }
            )
        return entries
