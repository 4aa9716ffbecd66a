from datetime import timedelta
from typing import Any

from django.apps import AppConfig
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "jisheng.audit"
    label = "audit"
    verbose_name = _("Audit trail")
    nav_items = [
        {"label": _("Audit trail"), "url": "audit:events", "roles": ["auditor", "audit_admin"]},
    ]
    # Read by `jisheng scheduler`: a daily purge past the retention, and a daily check of the chain
    # (a failed check is recorded as an event and logged).
    periodic_commands = [("audit-purge", 1440), ("audit-verify", 1440)]

    def ready(self) -> None:
        from . import security  # noqa: F401

    def home_cards(self, user: Any) -> list[dict[str, Any]]:
        if not user.has_role("auditor", "audit_admin"):
            return []
        from .models import AuditEvent

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
