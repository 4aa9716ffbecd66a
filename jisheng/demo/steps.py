"""The demo data steps of every app, found as ``<app>/demo.py`` modules and run in their ORDER.

A step module has ``ORDER`` (int) and ``populate(*, persons, seed, out)``; each step is idempotent,
so running the demo twice changes nothing.
"""

from importlib import import_module
from importlib.util import find_spec
from types import ModuleType

from django.conf import settings


def demo_steps() -> list[ModuleType]:
    modules = []
    for app_path in settings.DOMAIN_APPS:
        if app_path.endswith(".demo") or find_spec(f"{app_path}.demo") is None:
            continue
        modules.append(import_module(f"{app_path}.demo"))
    return sorted(modules, key=lambda module: getattr(module, "ORDER", 100))
