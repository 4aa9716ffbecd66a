from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _may_read_exchange(user: Any) -> bool:
    from jisheng.accounts import permissions
    from jisheng.accounts.permissions import Capability

    return permissions.holds(user, Capability.READ_EXCHANGE)


def _may_rotate_key(user: Any) -> bool:
    from jisheng.accounts import permissions
    from jisheng.accounts.permissions import Capability

    return permissions.holds(user, Capability.ROTATE_EXCHANGE_KEY)


class ExchangeConfig(AppConfig):
    name = "jisheng.exchange"
    label = "exchange"
    verbose_name = _("Exchange")
    nav_items: list[dict[str, object]] = [
        {
            "label": _("Exchange with other deployments"),
            "url": "exchange:peers",
            "visible": _may_read_exchange,
        },
        {
            "label": _("Exchange signing key"),
            "url": "exchange:key",
            "visible": _may_rotate_key,
        },
    ]
    # Due messages go out every minute (the scheduler wakes every 30 seconds), sent by a worker as a
    # durable job (queued once while one waits); sending is idempotent.
    periodic_commands = [("exchange-send --queue", 1)]

    def ready(self) -> None:
        from . import conf

        if conf.test_kinds():
            from . import testkinds

            testkinds.register()
