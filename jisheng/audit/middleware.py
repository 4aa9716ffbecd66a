from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from jisheng.core.clientaddress import client_ip as address_or_none

from .context import client_ip


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Behind a reverse proxy, JISHENG_TRUSTED_PROXIES names it and the client's address is read
        # from its X-Forwarded-For (core.clientaddress); otherwise the connection's own address.
        token = client_ip.set(address_or_none(request))
        try:
            return self.get_response(request)
        finally:
            client_ip.reset(token)
