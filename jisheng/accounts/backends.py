"""Signing in and loading the signed-in staff member at each request.

``StaffBackend`` signs in exactly as Django's ``ModelBackend`` does (the same password check, an
inactive account refused), and loads the user of each request in **one statement**: the user's row,
their area (joined), their role codes and the ids of their confirmed authenticator devices (each a
sub-query aggregated into one column). The roles are what every capability check reads
(``User.role_codes``), the area is on every staff page's frame, and the device ids let
``middleware.StaffOTPMiddleware`` verify the session's second factor without reading the device
again. Everything is read afresh at every request: a role withdrawn, an account deactivated or an
authenticator removed takes effect at the very next request.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db import router
from django.db.models import Aggregate, CharField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Cast
from django_otp.plugins.otp_totp.models import TOTPDevice

from jisheng.areas.models import Area
from jisheng.core.kept_statements import KeptStatements

from .models import User

# The path sessions name this backend by (``AUTHENTICATION_BACKENDS``), and the one Django's own
# backend had, under which sessions signed in before it were stored.
STAFF_BACKEND = "jisheng.accounts.backends.StaffBackend"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


class _Joined(Aggregate):
    """A column's values joined by commas (``GROUP_CONCAT`` on SQLite, ``STRING_AGG`` on PostgreSQL);
    NULL when there are none. For codes and ids, which hold no comma."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(expressions)s)"
    output_field = CharField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return super().as_sql(
            compiler,
            connection,
            function="STRING_AGG",
            template="%(function)s(%(expressions)s, ',')",
            **extra_context,
        )


def _joined(queryset: Any, column: str) -> Subquery:
    return Subquery(
        queryset.order_by()
        .values("user_id")
        .annotate(joined=_Joined(Cast(column, output_field=CharField())))
        .values("joined")
    )


def _split(joined: str | None) -> list[str]:
    return joined.split(",") if joined else []


# The user's columns, then their area's, then the joined role codes and device ids: one row.
_USER_FIELDS = [field.attname for field in User._meta.concrete_fields]
_AREA_FIELDS = [field.attname for field in Area._meta.concrete_fields]
_AREA_COLUMNS = [f"area__{field.name}" for field in Area._meta.concrete_fields]
# Stands for the user's id in the kept statement; no user has it.
_PLACEHOLDER = -7_000_000_017
# One statement per database (the primary, a replica).
_statements = KeptStatements(bound=8)


def _statement(user_id: int | None) -> QuerySet[Any]:
    through = User.roles.through
    return (
        User._default_manager.filter(pk=user_id)
        .annotate(
            _joined_roles=_joined(through.objects.filter(user_id=OuterRef("pk")), "role_id"),
            _joined_devices=_joined(TOTPDevice.objects.filter(user_id=OuterRef("pk"), confirmed=True), "id"),
        )
        .values_list(*_USER_FIELDS, *_AREA_COLUMNS, "_joined_roles", "_joined_devices")
    )


def load_staff(user_id: Any) -> User | None:
    """The user ``user_id`` with area, role codes and confirmed devices, in one statement; None if no
    such user. The statement is compiled once per database and kept (compiling it cost more than
    the reads it replaced); the user's id is bound as its parameter."""
    using = router.db_for_read(User)
    statement = _statements.statement((), _statement, using=using, placeholder=_PLACEHOLDER)
    # Prepared on PostgreSQL (``core.planner``): the user is found by the primary key and the roles and
    # authenticators by their user, a plan the same for every user, so the server parses and plans it
    # once a connection instead of at each request (about four fifths of its cost there).
    rows = statement.rows(int(user_id), convert=True, prepare=True)
    if not rows:
        return None
    row = rows[0]
    users = len(_USER_FIELDS)
    user = User.from_db(using, _USER_FIELDS, row[:users])
    area_row = row[users : users + len(_AREA_FIELDS)]
    if user.area_id is not None and area_row[0] is not None:
        User.area.field.set_cached_value(user, Area.from_db(using, _AREA_FIELDS, area_row))
    roles, devices = row[-2], row[-1]
    user._role_codes = set(_split(roles))
    user._confirmed_devices = {int(value) for value in _split(devices)}
    return user


class StaffBackend(ModelBackend):
    """Django's ``ModelBackend``, loading the request's user by ``load_staff``."""

    def get_user(self, user_id: Any) -> User | None:  # type: ignore[override]
        user = load_staff(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


def confirmed_devices(user: Any) -> set[int] | None:
    """The ids of the confirmed authenticators ``load_staff`` read with ``user``; None for a user loaded
    otherwise."""
    return getattr(user, "_confirmed_devices", None)
