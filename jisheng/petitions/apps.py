from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "jisheng.petitions"
    label = "petitions"
    verbose_name = _("Petitions")
    nav_items: list[dict[str, object]] = []
