"""The portal's public bodies, drawn once and kept by the process.

The portal's home lists the service items in force, and each item's guide (办事指南) prints the item,
its materials and the offices' hours and phones: the same for every visitor in one language on one day,
until the catalogue changes. Their bodies (the part inside the page's frame) are drawn from no request
(no visitor, no session, no CSRF token: those are drawn by the frame around it at each view) and kept
under the language, the day, the URL configuration and the catalogue's version: the id and hash of
the last audit event on a service item or a service office (every change of the catalogue goes through
an audited service: an edit, a load of the policy files). A change therefore shows at the next view in every process. A body
is also drawn again once ``TTL_SECONDS`` old, so that a change made past the services (by hand in the
database) shows within a minute. The clerk's queue keeps the parts of its page that depend only on the
catalogue (the new-application links, the unfiltered filter form) the same way (``views.queue``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.db import connections
from django.urls import get_script_prefix, get_urlconf
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from jisheng.audit.models import AuditEvent
from jisheng.core.planner import preparing_cursor

from .models import ServiceItem, ServiceOffice

TTL_SECONDS = 60.0
MAX_BODIES = 256

_bodies: dict[tuple[Any, ...], tuple[float, Any]] = {}
Kept = TypeVar("Kept")
_lock = threading.Lock()


def catalogue_version(using: str = "default") -> tuple[int, str]:
    """The id and hash of the last audit event on a service item or office ((0, "") if none): renewed
    by every catalogue change (the hash too, so that an id given again after a rolled-back transaction
    is never taken for the same version). Each kind's last event is one step in the audit trail's
    (object type, id) index, however long the trail."""
    connection = connections[using]
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    # The same statement and values at every view: prepared once a connection (``core.planner``).
    with preparing_cursor(connection) as cursor:
        cursor.execute(
            # A model's own table; the object types are parameters.
            f"SELECT id, hash FROM {table} WHERE id = (SELECT MAX(last) FROM ("  # noqa: S608
            f"SELECT MAX(id) AS last FROM {table} WHERE object_type = %s UNION ALL "
            f"SELECT MAX(id) AS last FROM {table} WHERE object_type = %s) AS kinds)",
            [ServiceItem._meta.label_lower, ServiceOffice._meta.label_lower],
        )
        row = cursor.fetchone()
    return (int(row[0]), str(row[1])) if row else (0, "")


def kept(name: str, draw: Callable[[], Kept]) -> Kept:
    """What ``draw`` gives (from no request: it must hold nothing of a visitor), kept per name,
    language, day, URL configuration and catalogue version. Nothing is kept when ``draw`` raises (an
    unknown item's guide is a 404 at each view, and fills nothing)."""
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
    found = _bodies.get(key)
    if found is not None and now - found[0] < TTL_SECONDS:
        return found[1]  # type: ignore[no-any-return]
    value = draw()
    with _lock:
        if len(_bodies) >= MAX_BODIES:
            _bodies.clear()
        _bodies[key] = (now, value)
    return value


def body(name: str, draw: Callable[[], str]) -> SafeString:
    """The body ``name`` drawn by ``draw`` (a template's output, escaped there), kept as ``kept`` keeps."""
    return mark_safe(kept(name, lambda: str(draw())))  # noqa: S308 (drawn by a template, escaped there)


def clear() -> None:
    _bodies.clear()
