from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    name = "jisheng.outreach"
    label = "outreach"
    verbose_name = _("Outreach")
    nav_items: list[dict[str, object]] = []
