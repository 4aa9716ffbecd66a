from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkdaysConfig(AppConfig):
    name = "jisheng.workdays"
    label = "workdays"
    verbose_name = _("Working-day calendar")
    nav_items = [{"label": _("Working days"), "url": "workdays:calendar", "roles": ["system_admin"]}]
