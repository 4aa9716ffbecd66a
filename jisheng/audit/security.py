"""Security events that arrive as signals from libraries rather than through a service: account lockout."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.db import transaction
from django.dispatch import receiver

from jisheng.core.actor import System

from . import services


@receiver(user_locked_out, dispatch_uid="jisheng.audit.lockout")
def audit_lockout(
    sender: Any,
    request: Any = None,
    username: str | None = None,
    ip_address: str | None = None,
    **kwargs: Any,
) -> None:
    """django-axes locked an account (or refused an attempt while it is locked): one event each time."""
    name = str(username or "")
    user = get_user_model().objects.filter(username=name).first() if name else None
    with transaction.atomic():
        services.record(
            by=System(job="sign-in"),
            action="account.lockout",
            object_type="accounts.user",
            object_id=str(user.pk) if user is not None else name[:64],
            object_repr=name[:255],
            after={"ip_address": ip_address},
            area_code=str(getattr(user, "area_id", "") or ""),
        )
