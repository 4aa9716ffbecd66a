from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .context import client_ip


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Behind a reverse proxy set JISHENG_TRUST_PROXY and the proxy's X-Forwarded-For is used.
        token = client_ip.set(request.META.get("REMOTE_ADDR"))
        try:
            return self.get_response(request)
        finally:
            client_ip.reset(token)
