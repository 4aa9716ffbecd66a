"""The offline app's pages: the app shell (the same for every user, so a shared phone's cached copy
shows nobody's data), its service worker (served from /offline/ so that its scope is the app), the web
app manifest, and ``whoami`` (who is signed in, and the CSRF token the app sends its records with).

The shell does not extend the staff base template on purpose: the service worker keeps a copy to open
without a network, and the base template carries the signed-in user's name and menu.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import get_template
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability

from . import strings

STATIC_FILES = ("offline/app.js", "offline/app.css", "offline/icon-192.png", "offline/icon-512.png")


@cache
def _files_version() -> str:
    """A digest of everything the service worker keeps: the shell's page, its files, the module the
    script imports and the worker itself. A phone refreshes its kept copy when any of them changes."""
    digest = hashlib.sha256()
    for name in (*STATIC_FILES, "offline/db.js", "offline/sw.js"):
        found = finders.find(name) or ""
        if found:
            digest.update(Path(str(found)).read_bytes())
    page = get_template("offline/app.html").origin.name  # type: ignore[attr-defined]
    digest.update(Path(page).read_bytes())
    return digest.hexdigest()[:12]


@require_GET
def app(request: HttpRequest) -> HttpResponse:
    """The app shell. Open to anyone: it holds no data; the data comes from the API after sign-in."""
    return render(
        request,
        "offline/app.html",
        {"strings": strings.catalogue(), "version": _files_version()},
    )


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    found = finders.find("offline/sw.js")
    source = Path(str(found)).read_text(encoding="utf-8") if found else ""
    shell = [reverse("offline:app"), reverse("offline:manifest"), *[static(name) for name in STATIC_FILES]]
    head = f"const VERSION = {json.dumps(_files_version())};\nconst SHELL = {json.dumps(shell)};\n"
    response = HttpResponse(head + source, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("offline:app")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    body = {
        "name": _("Jisheng village capture"),
        "short_name": _("Village capture"),
        "lang": "zh-CN",
        "start_url": reverse("offline:app"),
        "scope": reverse("offline:app"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#b71c1c",
        "icons": [
            {"src": static("offline/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("offline/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        ],
    }
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), content_type="application/manifest+json; charset=utf-8"
    )


@require_GET
def whoami(request: HttpRequest) -> JsonResponse:
    """Who is signed in (the app opens their outbox and their copy of the village), or 401."""
    user = request.user
    if not user.is_authenticated:
        return JsonResponse({"detail": _("Sign in to send and download.")}, status=401)
    if getattr(user, "needs_totp", False) and not user.is_verified():  # type: ignore[attr-defined]
        return JsonResponse({"detail": _("Sign in to send and download.")}, status=401)
    if not permissions.holds(user, Capability.CAPTURE_OFFLINE):
        return JsonResponse({"detail": _("You may not use the offline app.")}, status=403)
    return JsonResponse(
        {
            "id": user.pk,
            "name": getattr(user, "full_name", "") or user.get_username(),
            "area": getattr(user, "area_id", "") or "",
            "csrf": get_token(request),
        }
    )
