from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability


class WorkdaysConfig(AppConfig):
    name = "jisheng.workdays"
    label = "workdays"
    verbose_name = _("Working-day calendar")
    nav_items = [
        {
            "label": _("Working days"),
            "url": "workdays:calendar",
            "visible": lambda user: permissions.holds(user, Capability.MANAGE_CALENDAR),
        }
    ]
    # The scheduler's log says when the official calendar runs out (and fills the provisional year).
    periodic_commands = [("workdays check", 24 * 60)]

    def home_cards(self, user: Any) -> list[dict[str, Any]]:
        if not permissions.holds(user, Capability.MANAGE_CALENDAR):
            return []
        from django.urls import reverse
        from django.utils import timezone

        from .services import calendar_outlook

        outlook = calendar_outlook(timezone.localdate())
        if outlook is None:
            return []
        return [
            {
                "title": _("Working-day calendar runs out"),
                "value": outlook["official_until"],
                "url": reverse("workdays:calendar"),
                "note": _(
                    "Load the State Council's holiday notice for %(year)s; until then %(year)s is counted "
                    "on a provisional calendar (statutory holidays, no make-up working days)."
                )
                % {"year": outlook["year"]},
            }
        ]
