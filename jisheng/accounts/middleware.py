"""The signed-in user of each request: loading them (``StaffAuthenticationMiddleware``), their second
factor (``StaffOTPMiddleware``), and sending them to change an expired password or to prove the second
factor before anything else (``AccountPolicyMiddleware``)."""

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.functional import LazyObject, SimpleLazyObject, empty
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import is_verified
from django_otp.models import Device
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
        if isinstance(user, LazyObject):
            # Read here anyway (is_authenticated below): from now on the request carries the user
            # itself. Through the lazy wrapper, each of the hundred-odd reads of the user a staff page
            # makes (its roles, area, name, second factor) raised and caught an AttributeError first.
            if user._wrapped is empty:
                user._setup()
            user = request.user = user._wrapped
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


class StaffOTPMiddleware:
    """``request.user.otp_device`` and ``request.user.is_verified()``, as django-otp's ``OTPMiddleware``
    sets them and by its rule (the session's device must exist, be confirmed and belong to the user,
    else the session's second factor is forgotten), built on django-otp's public names only
    (``DEVICE_ID_SESSION_KEY``, ``Device.from_persistent_id``, ``is_verified``) so an upgrade of it
    cannot change this silently. The session's authenticator is checked against the confirmed devices
    read with the user (``backends.load_staff``) instead of being read again; a user loaded otherwise is
    checked by django-otp's own read of the device."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None:
            request.user = SimpleLazyObject(functools.partial(self._verified, request, user))  # type: ignore[assignment]
        auser = getattr(request, "auser", None)
        if auser is not None:
            request.auser = functools.partial(self._averified, request, auser)  # type: ignore[method-assign]
        return self.get_response(request)

    async def _averified(self, request: HttpRequest, auser: Callable[[], Awaitable[Any]]) -> Any:
        return await sync_to_async(self._verified)(request, await auser())

    def _verified(self, request: HttpRequest, user: Any) -> Any:
        # The user itself, not the authentication middleware's lazy wrapper: ``request.user`` is then
        # one lazy object deep instead of two (every attribute a page reads went through both).
        if isinstance(user, LazyObject):
            if user._wrapped is empty:
                user._setup()
            user = user._wrapped
        user.otp_device = None
        user.is_verified = functools.partial(is_verified, user)
        if user.is_authenticated:
            persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
            device = _device_for(user, persistent_id) if persistent_id else None
            if device is not None and (device.user_id != user.pk or not device.confirmed):
                device = None
            if device is None and DEVICE_ID_SESSION_KEY in request.session:
                del request.session[DEVICE_ID_SESSION_KEY]
            user.otp_device = device
        return user


def _device_for(user: Any, persistent_id: str) -> Any:
    """The session's device: from the user's confirmed authenticators when the user was read with
    them, else django-otp's own read (any device kind)."""
    persistent_id = _current_persistent_id(persistent_id)
    devices = confirmed_devices(user)
    label, _sep, device_id = persistent_id.rpartition("/")
    if devices is None or label != TOTP_LABEL or not device_id.isdigit():
        return Device.from_persistent_id(persistent_id)
    if int(device_id) not in devices:
        return None
    # The device as read (id, owner, confirmed); its other columns are read if ever asked for.
    return TOTPDevice.from_db(user._state.db, ["id", "user_id", "confirmed"], [int(device_id), user.pk, True])


def _current_persistent_id(persistent_id: str) -> str:
    """Old sessions named the device by its full import path ("django_otp.plugins.otp_totp.models.
    TOTPDevice/3"); django-otp now writes "otp_totp.TOTPDevice/3" and reads either."""
    if persistent_id.count(".") > 1:
        parts = persistent_id.split(".")
        return ".".join((parts[-3], parts[-1]))
    return persistent_id
