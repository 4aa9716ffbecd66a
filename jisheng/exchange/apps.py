from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "jisheng.exchange"
    label = "exchange"
    verbose_name = _("Exchange")
    nav_items: list[dict[str, object]] = []
