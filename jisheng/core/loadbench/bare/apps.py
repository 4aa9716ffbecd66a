from django.apps import AppConfig


class BareConfig(AppConfig):
    name = "jisheng.core.loadbench.bare"
    label = "loadbench_bare"
    default_auto_field = "django.db.models.BigAutoField"
