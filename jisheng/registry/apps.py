from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability


class RegistryConfig(AppConfig):
    name = "jisheng.registry"
    label = "registry"
    verbose_name = _("Population registry")

    nav_items = [
        {
            "label": _("Residents"),
            "url": "registry:search",
            "visible": lambda user: permissions.holds(user, Capability.READ_REGISTRY),
        },
        {
            "label": _("Import"),
            "url": "registry:import",
            "visible": lambda user: permissions.holds(user, Capability.IMPORT_ROSTERS),
        },
        {
            "label": _("Duplicates"),
            "url": "registry:duplicates",
            "visible": lambda user: permissions.holds(user, Capability.REVIEW_DUPLICATES),
        },
    ]

    # Read by `jisheng uploads-sweep`: ended imports' files removed after the retention.
    upload_sweeps = ["jisheng.registry.imports.retention.sweep"]

    def ready(self) -> None:
        from django.db.models.signals import post_migrate, post_save

        from jisheng.areas.models import Area

        from . import partitions

        # The counties' partitions of the person tables (PostgreSQL): after migrate, and for a county
        # area when it is created.
        post_migrate.connect(partitions.after_migrate, sender=self, dispatch_uid="registry.partitions")
        post_save.connect(partitions.county_created, sender=Area, dispatch_uid="registry.county_partitions")

    def home_actions(self, user: Any) -> list[dict[str, Any]]:
        """The village officer's daily registry actions, straight from the home page."""
        from django.urls import reverse

        if not permissions.holds(user, Capability.WORK_IN_VILLAGE):
            return []
        return [
            {"label": _("Register a birth"), "url": reverse("registry:pick_person", args=["birth"])},
            {"label": _("Record a marriage"), "url": reverse("registry:pick_person", args=["marriage"])},
            {"label": _("Record a move in"), "url": reverse("registry:move_in")},
        ]

    def home_cards(self, user: Any) -> list[dict[str, Any]]:
        from django.urls import reverse

        from .models import DuplicateCandidate

        if not permissions.holds(user, Capability.REVIEW_DUPLICATES):
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
