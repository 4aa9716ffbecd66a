"""The portal's public bodies, drawn once and kept by the process.

The portal's home lists the service items in force: the same for every visitor in one language on one
day, until the catalogue changes. Its body (the part inside the page's frame) is drawn from no request
(no visitor, no session, no CSRF token: those are drawn by the frame around it at each view) and kept
under the language, the day, the URL configuration and the catalogue's version: the id and hash of
the last audit event on a service item (every change of the catalogue goes through an audited service: an
edit, a load of the policy files). A change therefore shows at the next view in every process. A body
is also drawn again once ``TTL_SECONDS`` old, so that a change made past the services (by hand in the
database) shows within a minute.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connections
from django.urls import get_script_prefix, get_urlconf
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from jisheng.audit.models import AuditEvent

from .models import ServiceItem

TTL_SECONDS = 60.0
MAX_BODIES = 256

_bodies: dict[tuple[Any, ...], tuple[float, str]] = {}
_lock = threading.Lock()


def catalogue_version(using: str = "default") -> tuple[int, str]:
    """The id and hash of the last audit event on a service item ((0, "") if none): renewed by every
    catalogue change (the hash too, so that an id given again after a rolled-back transaction is never
    taken for the same version)."""
    connection = connections[using]
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            # A model's own table; the object type is a parameter.
            f"SELECT id, hash FROM {table} WHERE id = "  # noqa: S608
            f"(SELECT MAX(id) FROM {table} WHERE object_type = %s)",
            [ServiceItem._meta.label_lower],
        )
        row = cursor.fetchone()
    return (int(row[0]), str(row[1])) if row else (0, "")


def body(name: str, draw: Callable[[], str]) -> SafeString:
    """The body ``name`` drawn by ``draw`` (from no request: it must hold nothing of a visitor), kept
    per language, day, URL configuration and catalogue version."""
    key = (
        name,
        get_language(),
        timezone.localdate(),
        catalogue_version(),
        get_script_prefix(),
        get_urlconf(),
        settings.ROOT_URLCONF,
    )
    now = time.monotonic()
    kept = _bodies.get(key)
    if kept is not None and now - kept[0] < TTL_SECONDS:
        return mark_safe(kept[1])  # noqa: S308 (drawn by a template, escaped there)
    html = str(draw())
    with _lock:
        if len(_bodies) >= MAX_BODIES:
            _bodies.clear()
        _bodies[key] = (now, html)
    return mark_safe(html)  # noqa: S308 (drawn by a template, escaped there)


def clear() -> None:
    _bodies.clear()
