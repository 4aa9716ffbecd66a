from datetime import timedelta
from typing import Any

from django.apps import AppConfig
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .permissions import Capability, holds


class AccountsConfig(AppConfig):
    name = "jisheng.accounts"
    label = "accounts"
    verbose_name = _("Accounts")
    nav_items = [
        {
            "label": _("Staff accounts"),
            "url": "accounts:users",
            "visible": lambda user: holds(user, Capability.MANAGE_STAFF),
        },
        {
            "label": _("Audit trail"),
            "url": "audit:events",
            "visible": lambda user: holds(user, Capability.READ_AUDIT_TRAIL),
        },
    ]

    def ready(self) -> None:
        from . import signals  # noqa: F401

    def home_cards(self, user: Any) -> list[dict[str, Any]]:
        """The audit trail's last day, for its readers."""
        if not holds(user, Capability.READ_AUDIT_TRAIL):
            return []
        from jisheng.audit.models import AuditEvent

        since = timezone.now() - timedelta(days=1)
        recent = AuditEvent.objects.visible_to(user).filter(at__gte=since)
        return [
            {
                "title": _("Audit events in the last 24 hours"),
                "value": recent.count(),
                "url": reverse("audit:events"),
                "note": _("Failed sign-ins: %(count)d")
                % {"count": recent.filter(action="account.login_failed").count()},
            }
        ]
