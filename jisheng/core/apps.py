from typing import Any

from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "jisheng.core"
    label = "core"
    verbose_name = _("Shell")
    # Read by `jisheng scheduler`: import uploads removed daily after their retention (the sweeps are
    # the apps' ``upload_sweeps``).
    periodic_commands = [("uploads-sweep", 1440)]

    def ready(self) -> None:
        from . import lookups  # noqa: F401  (registers __any_of)

        post_migrate.connect(_after_migrate, dispatch_uid="jisheng.core.statistics")


def _after_migrate(*, app_config: AppConfig, using: str = "default", **_kwargs: Any) -> None:
    """post_migrate is sent once per app with models, after the whole plan has run; act on the last."""
    from .dbstats import analyze_tables_without_statistics

    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if with_models and app_config is with_models[-1]:
        analyze_tables_without_statistics(using=using)
