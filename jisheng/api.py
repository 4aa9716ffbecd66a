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

from jisheng.core import idempotency


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


# The errors any operation may answer, each as {"detail": …} (a sentence, or for 422 the list of fields
# that failed validation). Documented on every operation so a client — the offline app, a province's
# exchange — knows what to expect, and the fuzzing test can hold the API to its document.
ERROR_RESPONSES = {
    "400": "请求无效（原因见 detail）",
    "401": "未登录或令牌无效",
    "403": "无权进行此操作或超出本人辖区",
    "404": "对象不存在或不在本人辖区",
    "409": "与已有记录冲突（重复提交等）",
    "413": "请求过大",
    "422": "字段格式不符（detail 列出各字段）",
    "429": "请求过于频繁",
}
ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "properties": {"detail": {"anyOf": [{"type": "string"}, {"type": "array", "items": {}}]}},
    "required": ["detail"],
}


class JishengAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                for status, description in ERROR_RESPONSES.items():
                    operation["responses"].setdefault(
                        status,
                        {
                            "description": description,
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                            },
                        },
                    )
        return idempotency.document_in_openapi(schema)


api = JishengAPI(
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
