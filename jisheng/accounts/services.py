"""State changes of staff accounts and tokens. Each is one transaction with its audit event."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.areas.models import Area
from jisheng.audit import services as audit
from jisheng.core.actor import Actor

from . import permissions
from .models import AccessToken, Role, User
from .permissions import Capability
from .roles import role_code

TOKEN_PREFIX = "jst_"
MAX_TOKEN_DAYS = 90


def roles_for(codes: list[str]) -> list[Role]:
    """The Role rows of the given codes, created if missing (the set is fixed by the roles module; a database
    flushed by a test or restored from an old dump may lack some)."""
    return [Role.objects.get_or_create(code=role_code(code))[0] for code in codes]


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    area: Area,
    roles: list[str],
    full_name: str = "",
    by: Actor,
    validate: bool = True,
    must_change_password: bool = False,
) -> User:
    """A staff account in ``area`` (the creator's area or below). May be nested (the demo)."""
    permissions.ensure(by, Capability.CREATE_STAFF, area.code)
    user = User(username=username, area=area, full_name=full_name)
    if validate:
        validate_password(password, user)
    user.set_password(password)
    user.save()
    if must_change_password:
        # After save: saving a new password clears the flag (see passwords.NoReuseValidator).
        User.objects.filter(pk=user.pk).update(must_change_password=True)
        user.must_change_password = True
    user.roles.set(roles_for(roles))
    audit.record(
        by=by,
        action="account.create",
        obj=user,
        after={"username": username, "area": area.code, "roles": sorted(roles), "full_name": full_name},
    )
    return user


@transaction.atomic
def user_set_password(*, user: User, password: str, by: Actor) -> None:
    """May be nested."""
    validate_password(password, user)
    user.set_password(password)
    user.save()
    audit.record(by=by, action="account.password_change", obj=user)
    tokens_revoke_all(user=user, by=by, reason="password changed")


@transaction.atomic
def tokens_revoke_all(*, user: User, by: Actor, reason: str) -> int:
    """Revoke every live API token of a user: a new password must also lock out whoever held the
    old one through a token (sessions end by themselves, their hash covers the password). May be nested."""
    now = timezone.now()
    live = AccessToken.objects.select_for_update().filter(
        user=user, revoked_at__isnull=True, expires_at__gt=now
    )
    ids = list(live.values_list("pk", flat=True))
    if ids:
        AccessToken.objects.filter(pk__in=ids).update(revoked_at=now)
        audit.record(by=by, action="token.revoke_all", obj=user, after={"tokens": len(ids)}, reason=reason)
    return len(ids)


@transaction.atomic(durable=True)
def token_create(*, user: User, name: str, days: int = 90, by: Actor) -> tuple[AccessToken, str]:
    """Create a token and return it with its key; the key is shown once and never stored. A token
    lives at most 90 days (MAX_TOKEN_DAYS). Outermost."""
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValidationError(_("A token lives between 1 and %(max)s days.") % {"max": MAX_TOKEN_DAYS})
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = AccessToken.objects.create(
        user=user,
        name=name,
        prefix=key[: len(TOKEN_PREFIX) + 6],
        key_hash=AccessToken.hash_key(key),
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit.record(
        by=by, action="token.create", obj=token, after={"name": name, "expires_at": token.expires_at}
    )
    return token, key


@transaction.atomic(durable=True)
def token_revoke(*, token: AccessToken, by: Actor) -> None:
    """Outermost."""
    if token.revoked_at is not None:
        return
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(by=by, action="token.revoke", obj=token)


def sessions_revoke(*, user: User, by: Actor, reason: str) -> int:
    """End every signed-in session of ``user`` (the database sessions naming them). Runs inside the
    caller's transaction: may be nested. Returns how many ended."""
    from django.contrib.sessions.models import Session

    ended = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get("_auth_user_id", "")) == str(user.pk)
    ]
    if ended:
        Session.objects.filter(pk__in=ended).delete()
        audit.record(
            by=by, action="account.sessions_end", obj=user, after={"sessions": len(ended)}, reason=reason
        )
    return len(ended)


@transaction.atomic
def user_set_roles(*, user: User, roles: list[str], by: Actor) -> User:
    """Change a staff member's roles (the system or security administrator of their area). What the old
    roles allowed must stop at once: the member's sessions end and their API tokens are revoked, in the
    same transaction. May be nested (today a page's one step calls it)."""
    permissions.ensure(by, Capability.CHANGE_STAFF_ROLES, user.area_id or "")
    if getattr(by, "pk", None) == user.pk:
        raise PermissionDenied(_("No one changes their own roles; another administrator must."))
    if not roles:
        raise ValidationError({"roles": _("“Roles”: choose at least one")})
    before = sorted(user.role_codes())
    user.roles.set(roles_for(roles))
    user.__dict__.pop("_role_codes", None)  # the cached codes are stale now
    after = sorted({role_code(code) for code in roles})
    audit.record(
        by=by, action="account.roles_change", obj=user, before={"roles": before}, after={"roles": after}
    )
    sessions_revoke(user=user, by=by, reason="roles changed")
    tokens_revoke_all(user=user, by=by, reason="roles changed")
    return user


@transaction.atomic(durable=True)
def user_unlock(*, user: User, by: Actor) -> None:
    """Lift a sign-in lockout (django-axes) of a staff member of the security administrator's area.
    Outermost."""
    from axes.utils import reset as axes_reset

    permissions.ensure(by, Capability.UNLOCK_ACCOUNTS, user.area_id or "")
    axes_reset(username=user.username)
    audit.record(by=by, action="account.unlock", obj=user)


@transaction.atomic(durable=True)
def totp_verified(*, user: User, device: Any, by: Actor) -> None:
    """A second factor proved: a first proof confirms the enrolled authenticator. Audited. Outermost."""
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit.record(by=by, action="account.totp_enrol", obj=user)
    audit.record(by=by, action="account.totp_verify", obj=user)


def token_authenticate(key: str) -> User | None:
    token = (
        AccessToken.objects.select_related("user", "user__area")
        .filter(key_hash=AccessToken.hash_key(key))
        .first()
    )
    if token is None or not token.is_active or not token.user.is_active:
        return None
    now = timezone.now()
    # Touch last_used at most once a minute: a write per API call would serialise SQLite.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
