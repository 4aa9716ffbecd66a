"""Fixtures shared by every app's tests: an area tree with two sibling townships, staff users of any
role, and clients signed in (with the second factor already proven where the role needs one)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

os.environ.setdefault("JISHENG_DATA_DIR", tempfile.mkdtemp(prefix="jisheng-test-"))
# Tests look at a dashboard right after the change they made: live figures are recomputed at once
# (a deployment waits 15 s between recomputations; reporting/tests/test_live_shared.py tests that).
# The variable reaches the servers tests start as subprocesses; the fixture below, this process.
os.environ.setdefault("JISHENG_LIVE_REFRESH_SECONDS", "0")

import pytest  # noqa: E402

TEST_PASSWORD = "Test#Pass2026"  # the same as tests.factories.TEST_PASSWORD


@pytest.fixture(autouse=True)
def live_figures_recomputed_at_once(settings: Any) -> None:
    settings.LIVE_FIGURES_REFRESH_SECONDS = 0


@pytest.fixture(autouse=True)
def rate_limit_windows_held_still(monkeypatch: Any) -> None:
    """A limit's window is a minute of the wall clock; a test that crossed a minute's end would start
    counting afresh half-way and fail on a slow machine. Each test stays in the window it began in."""
    import time

    from jisheng.core import ratelimit

    began = time.time()
    monkeypatch.setattr(ratelimit, "window_number", lambda window: int(began // window))


@pytest.fixture(autouse=True)
def drawings_kept_by_the_process_forgotten() -> None:
    """The staff menus and the portal home's body are kept by each process, keyed by what they show;
    a test's rolled-back rows can reappear under the same keys in the next test, so each starts from
    none."""
    from jisheng.core import navigation
    from jisheng.hall import portal_kept

    navigation.forget_menus()
    portal_kept.clear()


@pytest.fixture(autouse=True)
def each_test_starts_in_the_default_language() -> Iterator[None]:
    """A request activates the visitor's language and leaves it active in the thread (as every request
    of a server begins by activating its own): a test that viewed a page in English would leave the
    next test's refusals in English. Each test starts, and ends, in Simplified Chinese."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def passwords_hashed_quickly(settings: Any) -> None:
    """Argon2 as configured costs about 0.2 s and 100 MB a password; the suite makes thousands of staff
    members. Tests hash with a fast hasher; test_password_storage checks what production uses."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def areas(db: Any) -> dict[str, Any]:
    """City 4117 › county 411723 › townships 101 (A) and 102 (B) › two villages each."""
    from tests.factories import make_areas

    return make_areas()


@pytest.fixture
def make_user(db: Any) -> Callable[..., Any]:
    """``make_user(area, *roles, username=None, full_name="")``: a staff member (named user1, user2, …
    in each test unless given a name); see ``tests.factories.make_user``."""
    from tests import factories

    counter = {"n": 0}

    def make(area: Any, *roles: str, username: str | None = None, full_name: str = "") -> Any:
        counter["n"] += 1
        return factories.make_user(
            area=area, roles=roles, username=username or f"user{counter['n']}", full_name=full_name
        )

    return make


def sign_in(client: Any, user: Any) -> Any:
    """Sign a test client in; for roles that need TOTP, also mark the session as verified."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    if user.needs_totp:
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="default", defaults={"confirmed": True})
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def client_for(db: Any) -> Callable[[Any], Any]:
    from django.test import Client

    def make(user: Any) -> Any:
        return sign_in(Client(), user)

    return make


def pytest_configure(config: Any) -> None:
    """Let the flush between transactional tests empty the audit trail on SQLite.

    The append-only trigger refuses DELETE on the audit event table (see jisheng.audit.triggers), and
    Django's flush on SQLite is a DELETE per table (on PostgreSQL it is TRUNCATE, which row triggers do
    not see). Only for the test run, the triggers are dropped for the flush and created again right after,
    so every test runs with them and production keeps them always.
    """
    from django.test import TransactionTestCase

    original = TransactionTestCase._fixture_teardown

    def teardown_past_append_only(self: Any) -> None:
        from django.db import connections

        from jisheng.audit import triggers

        sqlite = [connections[alias] for alias in self._databases_names(include_mirrors=False)]
        sqlite = [connection for connection in sqlite if connection.vendor == "sqlite"]
        for connection in sqlite:
            triggers.drop(connection)
        try:
            original(self)
        finally:
            for connection in sqlite:
                triggers.create(connection)

    TransactionTestCase._fixture_teardown = teardown_past_append_only  # type: ignore[method-assign]
