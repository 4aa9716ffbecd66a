"""Sign-ins, sign-outs and failed attempts go into the audit trail."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver

from jisheng.audit import services as audit
from jisheng.core.actor import System

from . import throttle


@receiver(user_logged_in)
def audit_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    with transaction.atomic():
        audit.record(by=user, action="account.login", obj=user)


@receiver(user_logged_out)
def audit_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        with transaction.atomic():
            audit.record(by=user, action="account.logout", obj=user)


@receiver(user_login_failed)
def audit_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    if request is not None:
        throttle.failed(request)
    with transaction.atomic():
        audit.record(
            by=System(job="sign-in"),
            action="account.login_failed",
            object_type="accounts.user",
            object_id=str(credentials.get("username", ""))[:64],
            object_repr=str(credentials.get("username", ""))[:255],
        )
