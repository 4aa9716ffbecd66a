"""One API for the whole system at /api/v1/, with one OpenAPI document.

Each app that offers operations has an ``api.py`` with a ``router``; it is mounted under the app's
label. Callers authenticate by a personal access token (``Authorization: Bearer …``) or by their
session (with CSRF).
"""

from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.security import APIKeyCookie, HttpBearer


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from jisheng.accounts.services import token_authenticate

        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class StaffSessionAuth(APIKeyCookie):
    """The signed-in session, with CSRF; staff who must prove a second factor must have done so."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if not user.is_authenticated:
            return None
        if user.needs_totp and not user.is_verified():  # type: ignore[union-attr]
            return None
        return user


api = NinjaAPI(
    title="计生服务管理系统 API",
    version="1",
    description="Jisheng: the service and management system of a population and family-planning office.",
    auth=[TokenAuth(), StaffSessionAuth()],
    urls_namespace="api",
)

for app_path in settings.DOMAIN_APPS:
    if find_spec(f"{app_path}.api") is None:
        continue
    module = import_module(f"{app_path}.api")
    label = app_path.rsplit(".", 1)[1]
    api.add_router(getattr(module, "PREFIX", f"/{label}/"), module.router)
