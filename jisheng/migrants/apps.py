from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MigrantsConfig(AppConfig):
    name = "jisheng.migrants"
    label = "migrants"
    verbose_name = _("Floating population")
    nav_items: list[dict[str, object]] = []
