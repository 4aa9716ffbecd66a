from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "jisheng.petitions"
    label = "petitions"
    verbose_name = _("Petitions")
    nav_items: list[dict[str, object]] = []
    # The bundled scheduler runs the clocks hourly: warnings, accountability, overdue ledger items (idempotent).
    periodic_commands = [("petitions-sweep", 60)]
