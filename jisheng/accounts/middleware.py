"""Sends a signed-in user to change an expired password or to prove the second factor before anything else."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from .passwords import password_expired

OPEN_PREFIXES = ("/static/", "/healthz", "/api/", "/verify/", "/portal/", "/accounts/logout/", "/i18n/")


class AccountPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        path = request.path
        if user.is_authenticated and not path.startswith(OPEN_PREFIXES):
            if user.needs_totp and not user.is_verified():  # type: ignore[union-attr]
                if not path.startswith("/accounts/otp/"):
                    return redirect("accounts:otp")
            elif password_expired(user) and not path.startswith("/accounts/password/"):
                return redirect("accounts:password_change")
        return self.get_response(request)
