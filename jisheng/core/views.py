from typing import Any

from django.apps import apps
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme


def healthz(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means unhealthy
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


def home_cards(user: Any) -> list[dict[str, Any]]:
    """Cards of work waiting for this user, from every app whose AppConfig has ``home_cards(user)``."""
    cards: list[dict[str, Any]] = []
    for config in apps.get_app_configs():
        provider = getattr(config, "home_cards", None)
        if callable(provider):
            cards.extend(provider(user))
    return cards


def _way_back(request: HttpRequest) -> str:
    """Where the error page's button leads: the page the user came from on this site, else their home."""
    referer = request.headers.get("Referer", "")
    if (
        referer
        and url_has_allowed_host_and_scheme(referer, {request.get_host()})
        and referer != request.build_absolute_uri()
    ):
        return referer
    return "/" if request.user.is_authenticated else "/portal/"


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """403 in the shell, in the user's language, with a way back (Django's default is a bare page)."""
    return render(request, "403.html", {"way_back": _way_back(request)}, status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", {"way_back": _way_back(request)}, status=404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent after its page expired (or from elsewhere): the 403 page says so in plain words
    instead of Django's technical page."""
    return render(
        request,
        "403.html",
        {"way_back": _way_back(request), "csrf_failed": True},
        status=403,
    )
