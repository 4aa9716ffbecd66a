"""Every app's pages under its own prefix; the API under /api/v1/ (see jisheng/api.py)."""

from importlib import import_module
from importlib.util import find_spec

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from jisheng.accounts import views as account_views
from jisheng.core import views as core_views

from .api import api

urlpatterns = [
    path("", account_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("jisheng.accounts.urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("sysadmin/", admin.site.urls),
]

# Each domain app that has pages mounts its urls.py at the prefix it names in URL_PREFIX (default: its
# label), so adding an app never means editing this file.
for app_path in settings.DOMAIN_APPS:
    if app_path.endswith((".accounts", ".core")) or find_spec(f"{app_path}.urls") is None:
        continue
    module = import_module(f"{app_path}.urls")
    prefix = getattr(module, "URL_PREFIX", app_path.rsplit(".", 1)[1] + "/")
    urlpatterns.append(path(prefix, include(module)))
