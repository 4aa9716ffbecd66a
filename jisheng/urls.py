"""Every app's pages under its own prefix; the API under /api/v1/ (see jisheng/api.py)."""

from importlib import import_module
from importlib.util import find_spec

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import include, path

from jisheng.accounts import views as account_views
from jisheng.core import views as core_views

from .api import api


def root(request: HttpRequest) -> HttpResponse:
    """Residents arrive at the portal; signed-in staff get their home page (staff sign in by a link)."""
    if not request.user.is_authenticated:
        return redirect("hall:portal")
    return account_views.home(request)


# Error pages in the shell, in the user's language, with a way back.
handler403 = core_views.forbidden
handler404 = core_views.not_found

urlpatterns = [
    path("", root, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("jisheng.accounts.urls")),
    path("audit/", include("jisheng.accounts.audit_urls")),
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
