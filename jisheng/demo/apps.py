from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "jisheng.demo"
    label = "demo"
    verbose_name = "Demo data"
