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

    def person_timeline(self, person: Any, user: Any) -> list[dict[str, Any]]:
        """The person's petitions on the registry's person file (一人一档 seen from the registry)."""
        if not _may_read(user):
            return []
        from django.urls import reverse

        from .models import Matter

        return [
            {
                "date": m.received_on,
                "title": m.title,
                "detail": f"{m.number} {m.get_status_display()}",
                "url": reverse("petitions:matter", args=[m.pk]),
            }
            for m in Matter.objects.visible_to(user).filter(file__person=person)
        ]
