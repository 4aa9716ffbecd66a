from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _may_read(user: Any) -> bool:
    from jisheng.accounts import permissions
    from jisheng.accounts.permissions import Capability

    return permissions.holds(user, Capability.READ_PETITIONS)


class PetitionsConfig(AppConfig):
    name = "jisheng.petitions"
    label = "petitions"
    verbose_name = _("Petitions")
    nav_items: list[dict[str, object]] = [
        {"label": _("Petitions"), "url": "petitions:home", "visible": _may_read}
    ]
    # The bundled scheduler runs the clocks hourly: warnings, accountability, overdue ledger items (idempotent).
    periodic_commands = [("petitions-sweep", 60)]

    def home_cards(self, user: Any) -> list[dict[str, Any]]:
        """For the person who answers for matters and ledger items (一责一问): matters past or near their
        limit, and ledger items past their deadline, each with a link to the list (two queries)."""
        from django.urls import reverse

        from .queries import my_counts, my_ledger_counts

        if not _may_read(user):
            return []
        cards: list[dict[str, Any]] = []
        matters = my_counts(user)
        if matters["open"]:
            cards.append(
                {
                    "title": _("My petition matters overdue or due within 5 days"),
                    "value": matters["overdue"] + matters["due_soon"],
                    "url": reverse("petitions:home") + "#mine",
                    "note": _("%(overdue)s overdue, %(soon)s due soon, %(open)s open")
                    % {"overdue": matters["overdue"], "soon": matters["due_soon"], "open": matters["open"]},
                }
            )
        ledger = my_ledger_counts(user)
        if ledger["open"]:
            cards.append(
                {
                    "title": _("My rectification ledger items overdue"),
                    "value": ledger["overdue"],
                    "url": reverse("petitions:ledger") + "?mine=1&overdue=1",
                    "note": _("%(open)s being rectified") % {"open": ledger["open"]},
                }
            )
        return cards

    def person_timeline(self, person: Any, user: Any) -> list[dict[str, Any]]:
        """The person's petitions on the registry's person file (一人一档 seen from the registry)."""
        from jisheng.registry import timeline

        return timeline.entries_of(self, person, user)

    def person_timeline_rows(self, person: Any, user: Any) -> list[Any]:
        """Read with the other apps' rows on the person file; nothing for a reader without the right."""
        if not _may_read(user):
            return []
        from jisheng.registry import timeline

        from .models import Matter

        matters = Matter.objects.visible_to(user).filter(file__person=person)
        return [
            timeline.rows(matters, "matter", day="received_on", text1="title", text2="number", text3="status")
        ]

    def person_timeline_entries(self, rows: list[Any]) -> list[dict[str, Any]]:
        from django.urls import reverse

        from .models import Matter

        statuses = dict(Matter._meta.get_field("status").flatchoices)
        return [
            {
                "date": row.day,
                "title": row.text1,
                "detail": f"{row.text2} {statuses.get(row.text3, row.text3)}",
                "url": reverse("petitions:matter", args=[row.pk]),
            }
            for row in sorted(rows, key=lambda row: (row.day, row.pk), reverse=True)  # as the model orders
        ]
