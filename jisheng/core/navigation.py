"""The staff navigation, gathered from every app.

An app lists its entries on its AppConfig as ``nav_items`` ({"label", "url", "visible"}), where
``visible`` is a function of the user — in practice ``lambda user: permissions.holds(user, Capability.X)``
from ``accounts.permissions``, so that the menu and the pages ask the same question; an entry without
``visible`` is shown to every signed-in staff member. The shell never imports the apps themselves.
"""

from typing import Any

from django.apps import apps
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse


def fully_signed_in(user: Any) -> bool:
    """Signed in, and past the second factor where the role needs one."""
    if not getattr(user, "is_authenticated", False):
        return False
    return not user.needs_totp or user.is_verified()


def items_for(user: Any) -> list[dict[str, str]]:
    if not fully_signed_in(user):
        return []
    items = []
    for config in apps.get_app_configs():
        for item in getattr(config, "nav_items", []):
            visible = item.get("visible")
            if visible is not None and not visible(user):
                continue
            try:
                url = reverse(item["url"])
            except NoReverseMatch:
                continue
            items.append({"label": str(item["label"]), "url": url})
    return items


def navigation(request: HttpRequest) -> dict[str, Any]:
    from django.conf import settings

    return {
        "nav_items": items_for(request.user),
        "signed_in": fully_signed_in(request.user),
        "demo_mode": settings.DEMO_MODE,
    }
