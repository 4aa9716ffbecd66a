"""The request a signed-in staff page receives: its ``user`` is a staff User, never AnonymousUser.

Views behind ``permissions.capability_required`` or ``login_required`` annotate their request with this type, so the
type checker knows ``request.user.area`` and ``request.user.has_role`` exist without an ignore.
"""

from __future__ import annotations

from django.http import HttpRequest

from .models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User  # type: ignore[assignment]
