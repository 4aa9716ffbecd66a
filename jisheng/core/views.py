from typing import Any

from django.apps import apps
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse


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
