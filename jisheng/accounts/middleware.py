"""The signed-in user of each request: loading them (``StaffAuthenticationMiddleware``), their second
factor (``StaffOTPMiddleware``), and sending them to change an expired password or to prove the second
factor before anything else (``AccountPolicyMiddleware``)."""

from collections.abc import Callable
from typing import Any

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.functional import LazyObject, empty
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware
from django_otp.plugins.otp_totp.models import TOTPDevice

from .backends import MODEL_BACKEND, STAFF_BACKEND, confirmed_devices
from .passwords import password_expired

# How django-otp names the authenticator model in a session's persistent device id.
TOTP_LABEL = TOTPDevice.model_label()

OPEN_PREFIXES = ("/static/", "/healthz", "/api/", "/verify/", "/portal/", "/accounts/logout/", "/i18n/")


class AccountPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        path = request.path
        if user.is_authenticated and not path.startswith(OPEN_PREFIXES):
            if user.needs_totp and not user.is_verified():  # type: ignore[union-attr]
                if not path.startswith("/accounts/otp/"):
                    return redirect("accounts:otp")
            elif password_expired(user) and not path.startswith("/accounts/password/"):
                return redirect("accounts:password_change")
        return self.get_response(request)


class StaffAuthenticationMiddleware(AuthenticationMiddleware):
    """Django's authentication middleware; a session signed in through Django's own backend, which
    ``backends.StaffBackend`` replaced with the same rules, is carried over to it (one session write)
    instead of being signed out."""

    def process_request(self, request: HttpRequest) -> None:
        session = getattr(request, "session", None)
        if session is not None and session.get(BACKEND_SESSION_KEY) == MODEL_BACKEND:
            session[BACKEND_SESSION_KEY] = STAFF_BACKEND
        super().process_request(request)


class StaffOTPMiddleware(OTPMiddleware):
    """django-otp's middleware (``request.user.otp_device`` and ``is_verified()``), checking the session's
    authenticator against the confirmed devices read with the user (``backends.load_staff``) instead of
    reading the device again. The same rule as django-otp's: the device must exist, be confirmed and
    belong to the user, else the session's second factor is forgotten. A user loaded otherwise is
    checked by django-otp's own read."""

    def _device_for(self, user: Any, persistent_id: str) -> Any:
        devices = confirmed_devices(user)
        label, _sep, device_id = self._normalize_persistent_id(persistent_id).rpartition("/")
        if devices is None or label != TOTP_LABEL or not device_id.isdigit():
            return self._device_from_persistent_id(persistent_id)
        if int(device_id) not in devices:
            return None
        # The device as read (id, owner, confirmed); its other columns are read if ever asked for.
        return TOTPDevice.from_db(
            user._state.db, ["id", "user_id", "confirmed"], [int(device_id), user.pk, True]
        )

    def _verify_user_sync(self, request: HttpRequest, user: Any) -> Any:
        # The user itself, not the authentication middleware's lazy wrapper: ``request.user`` is then
        # one lazy object deep instead of two (every attribute a page reads went through both).
        if isinstance(user, LazyObject):
            if user._wrapped is empty:
                user._setup()
            user = user._wrapped
        self._init_user_fields(user)
        if user.is_authenticated:
            persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
            device = self._device_for(user, persistent_id) if persistent_id else None
            user.otp_device = self._finalize_device(request, user, device)
        return user
