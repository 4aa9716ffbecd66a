"""What the staff pages share: the area a form names, errors as messages, dates, uploads, staff by name."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from jisheng.accounts.http import AuthenticatedHttpRequest
from jisheng.accounts.models import User
from jisheng.areas.models import Area
from jisheng.areas.scoping import visible_area
from jisheng.core.uploads import MB

from . import services


def _area(user: Any, code: str | None) -> Area:
    """An area the user may see (their own when none is named), or a refusal naming the field."""
    found = visible_area(user, code or "") if code else getattr(user, "area", None)
    if found is None:
        raise ValidationError(_("“Area”: no such area in yours"))
    return found  # type: ignore[no-any-return]


UPLOADS = {
    "max_files": 6,
    "max_file_bytes": services.matters.MAX_ATTACHMENT_BYTES,
    "max_total_bytes": 30 * MB,
}
Request = AuthenticatedHttpRequest


def _errors(request: Request, exc: ValidationError | PermissionDenied) -> None:
    for message in getattr(exc, "messages", None) or [str(exc)]:
        messages.error(request, message)


def _date(value: str, field: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValidationError(_("“%(field)s”: enter a date like 2026-04-10") % {"field": field}) from exc


def _uploads(request: Request, name: str) -> list[services.Upload]:
    return [services.Upload(f.name or "file", f.read()) for f in request.FILES.getlist(name)]


def _staff_of(request: Request, username: str, field: str) -> User:
    user = User.objects.filter(username=username.strip()).first()
    if user is None:
        raise ValidationError(
            _("“%(field)s”: no staff member “%(name)s”") % {"field": field, "name": username}
        )
    return user
