from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "jisheng.accounts"
    label = "accounts"
    verbose_name = _("Accounts")
    nav_items = [
        {"label": _("Staff accounts"), "url": "accounts:users", "roles": ["system_admin", "security_admin"]},
    ]

    def ready(self) -> None:
        from . import signals  # noqa: F401
