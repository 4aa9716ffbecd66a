"""The staff navigation, gathered from every app.

An app lists its entries on its AppConfig as ``nav_items`` ({"label", "url", "visible"}), where
``visible`` is a function of the user — in practice ``lambda user: permissions.holds(user, Capability.X)``
from ``accounts.permissions``, so that the menu and the pages ask the same question; an entry without
``visible`` is shown to every signed-in staff member. The shell never imports the apps themselves.

A capability is a function of the user's roles, so ``visible`` must depend on nothing else: the menu is
drawn once per set of role codes, language and URL configuration and kept by the process (the checks
and labels of every entry were most of the frame's cost). The roles themselves are read afresh at each
request, so a role withdrawn or granted changes the menu at the next request.
"""

from typing import Any

from django.apps import apps
from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

# The menu's URLs, reversed once per URL name (and URL configuration and script prefix): reversing the
# dozen entries on every staff page was most of the menu's cost. None: the name does not reverse.
_urls: dict[tuple[str, str, Any, str], str | None] = {}


def _url(name: str) -> str | None:
    key = (name, get_script_prefix(), get_urlconf(), settings.ROOT_URLCONF)
    if key not in _urls:
        try:
            _urls[key] = reverse(name)
        except NoReverseMatch:
            _urls[key] = None
    return _urls[key]


def fully_signed_in(user: Any) -> bool:
    """Signed in, and past the second factor where the role needs one."""
    if not getattr(user, "is_authenticated", False):
        return False
    return not user.needs_totp or user.is_verified()


# The menus drawn, per (role codes, language, script prefix, URL configurations); a few dozen at most
# (one per combination of roles in use), emptied if ever it grows past MENUS.
_menus: dict[tuple[Any, ...], list[dict[str, str]]] = {}
MENUS = 512


def forget_menus() -> None:
    """Empties the kept menus (a test that changes the menu's entries starts from none)."""
    _menus.clear()


def items_for(user: Any) -> list[dict[str, str]]:
    return _menu(user)[1]


def _menu(user: Any) -> tuple[tuple[Any, ...] | None, list[dict[str, str]]]:
    """The menu and the key it is kept by: () for no menu (not fully signed in), None when not kept (a
    user object that cannot name its roles)."""
    if not fully_signed_in(user):
        return (), []
    role_codes = getattr(user, "role_codes", None)
    if role_codes is None:
        return None, _items(user)
    key = (
        frozenset(role_codes()),
        get_language(),
        get_script_prefix(),
        get_urlconf(),
        settings.ROOT_URLCONF,
    )
    menu = _menus.get(key)
    if menu is None:
        if len(_menus) >= MENUS:
            _menus.clear()
        menu = _menus[key] = _items(user)
    return key, menu


def _items(user: Any) -> list[dict[str, str]]:
    items = []
    for config in apps.get_app_configs():
        for item in getattr(config, "nav_items", []):
            visible = item.get("visible")
            if visible is not None and not visible(user):
                continue
            url = _url(item["url"])
            if url is None:
                continue
            items.append({"label": str(item["label"]), "url": url})
    return items


def navigation(request: HttpRequest) -> dict[str, Any]:
    # ``nav_key`` names the menu for the frame's kept fragment (``kept_fragment``): the same key, the
    # same entries.
    key, menu = _menu(request.user)
    return {
        "nav_items": menu,
        "nav_key": key,
        "signed_in": key != (),
        "demo_mode": settings.DEMO_MODE,
    }
