from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "jisheng.audit"
    label = "audit"
    verbose_name = _("Audit trail")
    nav_items = [
        {"label": _("Audit trail"), "url": "audit:events", "roles": ["auditor", "audit_admin"]},
    ]
