from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from .permissions import DUPLICATE_ROLES, IMPORT_ROLES, READ_ROLES


class RegistryConfig(AppConfig):
    name = "jisheng.registry"
    label = "registry"
    verbose_name = _("Population registry")

    nav_items = [
        {"label": _("Residents"), "url": "registry:search", "roles": list(READ_ROLES)},
        {"label": _("Import"), "url": "registry:import", "roles": list(IMPORT_ROLES)},
        {"label": _("Duplicates"), "url": "registry:duplicates", "roles": list(DUPLICATE_ROLES)},
    ]

    def home_actions(self, user: Any) -> list[dict[str, Any]]:
        """The village officer's daily registry actions, straight from the home page."""
        from django.urls import reverse

        if not user.has_role("village_officer") or user.is_read_only:
            return []
        return [
            {"label": _("Register a birth"), "url": reverse("registry:pick_person", args=["birth"])},
            {"label": _("Record a marriage"), "url": reverse("registry:pick_person", args=["marriage"])},
            {"label": _("Record a move in"), "url": reverse("registry:move_in")},
        ]

    def home_cards(self, user: Any) -> list[dict[str, Any]]:
        from django.urls import reverse

        from .models import DuplicateCandidate

        if not user.has_role(*DUPLICATE_ROLES):
            return []
        waiting = (
            DuplicateCandidate.objects.visible_to(user)
            .filter(status=DuplicateCandidate.Status.PENDING)
            .count()
        )
        if not waiting:
            return []
        return [
            {
                "title": _("Probable duplicates"),
                "value": waiting,
                "url": reverse("registry:duplicates"),
                "note": _("records that may describe the same resident, waiting for your decision"),
            }
        ]
