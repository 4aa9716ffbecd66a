from typing import Any

from django.apps import AppConfig
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class HallConfig(AppConfig):
    name = "jisheng.hall"
    label = "hall"
    verbose_name = _("Service hall")
    nav_items = [
        {
            "label": _("Service hall"),
            "url": "hall:queue",
            "roles": ["counter_clerk", "township_head", "county_staff", "village_officer", "auditor"],
        },
        {"label": _("Service catalogue"), "url": "hall:catalogue", "roles": ["system_admin", "city_staff"]},
    ]
    # The bundled scheduler (jisheng scheduler) runs the sweep hourly; it is idempotent.
    periodic_commands = [("deadline-sweep", 60)]

    def ready(self) -> None:
        from jisheng.workdays.services import official_year_loaded

        from .services.calendar_change import on_official_year_loaded

        official_year_loaded.connect(on_official_year_loaded, dispatch_uid="hall.deadlines_recompute")

    def home_actions(self, user: Any) -> list[dict[str, Any]]:
        """代办: a proxy application is the village officer's daily hall action."""
        from django.urls import reverse

        if not user.has_role("village_officer") or user.is_read_only:
            return []
        return [{"label": _("Apply on a resident's behalf"), "url": reverse("hall:queue") + "#new"}]

    def home_cards(self, user: Any) -> list[dict[str, Any]]:
        if not user.has_role("counter_clerk", "township_head", "village_officer"):
            return []
        from django.urls import reverse

        from .queries import queue_counts

        # The same query as the queue's header, so the card and the queue cannot disagree.
        counts = queue_counts(user)
        if not user.has_role("counter_clerk", "township_head"):
            # A village officer owns no case (a proxy application goes to the township's counter): the
            # village's open cases are what the officer follows.
            return [
                {
                    "title": _("Open cases of my area"),
                    "value": counts["open"],
                    "url": reverse("hall:queue"),
                    "note": _("%(today)s due today, %(overdue)s overdue")
                    % {"today": counts["due_today"], "overdue": counts["overdue"]},
                }
            ]
        return [
            {
                "title": _("My open cases"),
                "value": counts["mine"],
                "url": reverse("hall:queue"),
                "note": _("%(today)s due today, %(overdue)s overdue")
                % {"today": counts["mine_due_today"], "overdue": counts["mine_overdue"]},
            }
        ]

    def person_timeline(self, person: Any, user: Any) -> list[dict[str, Any]]:
        from django.urls import reverse

        from .models import Application

        return [
            {
                "date": timezone.localdate(a.received_at),
                "title": a.item.name,
                "detail": f"{a.number} {a.get_status_display()}",
                "url": reverse("hall:case", args=[a.pk]),
            }
            for a in Application.objects.visible_to(user).filter(person=person).select_related("item")
        ]
