from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "jisheng.audit"
    label = "audit"
    verbose_name = _("Audit trail")
    # The audit trail's menu entry and home card are the accounts app's (its viewer lives there, and who
    # may read the trail is a capability of ``accounts.permissions``, a layer above this app).
    # Read by `jisheng scheduler`: a daily purge past the retention, and a daily check of the chain
    # (a failed check is recorded as an event and logged); personal files still in the clear (written
    # before sealing at rest) sealed at start and daily, audited when there were any.
    periodic_commands = [("audit-purge", 1440), ("audit-verify", 1440), ("seal-files --scheduled", 1440)]

    def ready(self) -> None:
        from . import security  # noqa: F401
