from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability


class MigrantsConfig(AppConfig):
    name = "jisheng.migrants"
    label = "migrants"
    verbose_name = _("Floating population")
    nav_items: list[dict[str, object]] = [
        {
            "label": _("Floating population"),
            "url": "migrants:index",
            "visible": lambda user: permissions.holds(user, Capability.READ_MIGRANTS),
        }
    ]

    # Overdue verification requests are escalated every hour.
    periodic_commands = [("migrants-sweep", 60)]
    # Read by `jisheng uploads-sweep`: ended imports' files removed after the retention.
    upload_sweeps = ["jisheng.migrants.import_retention.sweep"]

    def ready(self) -> None:
        from .exchange_messages import register_handlers

        register_handlers()

    def home_actions(self, user: Any) -> list[dict[str, Any]]:
        """The village officer's daily step: a person leaves to work elsewhere (with the 四个一)."""
        from django.urls import reverse

        if not permissions.holds(user, Capability.RECORD_MIGRANTS):
            return []
        return [{"label": _("Record a departure"), "url": reverse("migrants:pick")}]

    def home_cards(self, user: Any) -> list[dict[str, Any]]:
        """The village officer's reminder: people away whose 四个一 is incomplete; the clerk's: open
        verification requests, overdue ones first."""
        from django.urls import reverse

        from .queries import home_counts

        if not permissions.holds(user, Capability.READ_MIGRANTS):
            return []
        counts = home_counts(user)
        cards: list[dict[str, Any]] = []
        if permissions.holds(user, Capability.RECORD_MIGRANTS) and counts["incomplete"]:
            cards.append(
                {
                    "title": _("People away with the leaving checklist incomplete"),
                    "value": counts["incomplete"],
                    "url": reverse("migrants:away") + "?incomplete=1",
                    "note": _("%(n)s arrivals without a valid certificate after 30 days")
                    % {"n": counts["certificate_overdue"]},
                }
            )
        if permissions.holds(user, Capability.HANDLE_VERIFICATIONS):
            cards.append(
                {
                    "title": _("Verification requests to answer"),
                    "value": counts["verifications_open"],
                    "url": reverse("migrants:verifications"),
                    "note": _("%(n)s overdue") % {"n": counts["verifications_overdue"]},
                }
            )
        return cards

    def person_timeline(self, person: Any, user: Any) -> list[dict[str, Any]]:
        from .queries import person_timeline

        if not permissions.holds(user, Capability.READ_MIGRANTS):
            return []
        return person_timeline(person, user)

    def person_timeline_rows(self, person: Any, user: Any) -> list[Any]:
        """Read with the other apps' rows on the person file; nothing for a reader without the right."""
        from .queries import person_timeline_rows

        if not permissions.holds(user, Capability.READ_MIGRANTS):
            return []
        return person_timeline_rows(person, user)

    def person_timeline_entries(self, rows: list[Any]) -> list[dict[str, Any]]:
        from .queries import person_timeline_entries

        return person_timeline_entries(rows)
