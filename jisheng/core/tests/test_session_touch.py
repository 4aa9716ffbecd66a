"""Sessions are written at most once a minute, and the 30-minute idle timeout still holds."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from jisheng.core import middleware

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    """One clock for the middleware's stamp and the session store's expiry dates."""

    class Clock:
        now = START

        def advance(self, seconds: float) -> None:
            self.now += datetime.timedelta(seconds=seconds)

    clock = Clock()
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    monkeypatch.setattr(middleware.time, "time", lambda: clock.now.timestamp())
    return clock


def _stored_expiry(client: Any) -> datetime.datetime:
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value).expire_date


def test_the_session_is_not_saved_on_every_request(areas, make_user, client_for, clock):
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and not settings.SESSION_SAVE_EVERY_REQUEST
    client = client_for(make_user(areas["village_a"], "village_officer"))
    assert client.get("/accounts/profile/").status_code == 200  # the first request stamps the session
    written = _stored_expiry(client)
    for _ in range(5):
        clock.advance(10)
        response = client.get("/accounts/profile/")
        assert response.status_code == 200
        assert settings.SESSION_COOKIE_NAME not in response.cookies  # no new cookie, no write
    assert _stored_expiry(client) == written


def test_a_request_a_minute_after_the_last_write_renews_the_session(areas, make_user, client_for, clock):
    client = client_for(make_user(areas["village_a"], "village_officer"))
    client.get("/accounts/profile/")
    clock.advance(61)
    response = client.get("/accounts/profile/")
    assert settings.SESSION_COOKIE_NAME in response.cookies
    assert _stored_expiry(client) == clock.now + datetime.timedelta(minutes=30)


def test_an_idle_session_ends_no_later_than_thirty_minutes_after_the_last_request(
    areas, make_user, client_for, clock
):
    client = client_for(make_user(areas["village_a"], "village_officer"))
    # Busy for ten minutes, a request every 25 seconds: the stored expiry is never more than 30 minutes
    # after the latest request.
    for _ in range(24):
        assert client.get("/accounts/profile/").status_code == 200
        assert _stored_expiry(client) <= clock.now + datetime.timedelta(minutes=30)
        assert _stored_expiry(client) >= clock.now + datetime.timedelta(minutes=29)
        clock.advance(25)
    last_request = clock.now - datetime.timedelta(seconds=25)
    clock.now = last_request + datetime.timedelta(minutes=30, seconds=1)
    response = client.get("/accounts/profile/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_a_visitor_without_a_session_gets_none_stored(db, clock):
    from django.test import Client

    before = Session.objects.count()
    response = Client().get("/portal/")
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert Session.objects.count() == before
