from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability


class OfflineConfig(AppConfig):
    name = "jisheng.offline"
    label = "offline"
    verbose_name = _("Offline capture")
    nav_items: list[dict[str, object]] = [
        {
            "label": _("Village capture"),
            "url": "offline:app",
            "visible": lambda user: permissions.holds(user, Capability.CAPTURE_OFFLINE),
        }
    ]
