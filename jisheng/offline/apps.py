from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfflineConfig(AppConfig):
    name = "jisheng.offline"
    label = "offline"
    verbose_name = _("Offline capture")
    nav_items: list[dict[str, object]] = []
