"""The session store reads the session through a statement kept compiled, and keeps Django's rules."""

from __future__ import annotations

import datetime
import logging
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jisheng.core import sessions
from jisheng.core.sessions import SessionStore

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    class Clock:
        now = START

        def advance(self, seconds: float) -> None:
            self.now += datetime.timedelta(seconds=seconds)

    clock = Clock()
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock


def _stored(data: dict[str, Any]) -> str:
    store = SessionStore()
    store.update(data)
    store.save()
    assert store.session_key is not None
    return store.session_key


def _client_with_cookie(key: str) -> Client:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    return client


def test_the_site_uses_this_store():
    assert settings.SESSION_ENGINE == "jisheng.core.sessions"


@pytest.mark.django_db
def test_a_stored_session_is_loaded_by_its_key():
    key = _stored({"case": "A-1"})
    store = SessionStore(key)
    assert store["case"] == "A-1"
    assert store.session_key == key


@pytest.mark.django_db
def test_a_session_past_its_expiry_is_not_loaded_and_a_new_key_is_issued(clock):
    key = _stored({"case": "A-1"})
    assert SessionStore(key).load() == {"case": "A-1"}  # the statement is compiled and kept now
    clock.advance(30 * 60)  # its expiry is now, and a session is used only before its expiry
    store = SessionStore(key)
    assert store.load() == {}
    assert store.session_key is None
    store["case"] = "B-2"
    store.save()
    assert store.session_key not in (None, key)


@pytest.mark.django_db
def test_the_expiry_is_checked_against_each_load_s_clock_not_the_first_one(clock):
    key = _stored({"case": "A-1"})
    clock.advance(29 * 60)
    assert SessionStore(key).load() == {"case": "A-1"}
    clock.advance(61)
    assert SessionStore(key).load() == {}


@pytest.mark.django_db
def test_a_missing_session_is_a_new_empty_one():
    store = SessionStore("k" * 32)
    assert store.load() == {}
    assert store.session_key is None


@pytest.mark.django_db
def test_a_tampered_session_is_a_new_empty_one():
    key = _stored({"case": "A-1"})
    Session.objects.filter(session_key=key).update(session_data="tampered:data")
    warnings: list[str] = []

    class Kept(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            warnings.append(record.getMessage())

    logger = logging.getLogger("django.security.SuspiciousSession")
    handler = Kept(level=logging.WARNING)
    logger.addHandler(handler)
    try:
        assert SessionStore(key).load() == {}
    finally:
        logger.removeHandler(handler)
    assert any("corrupted" in warning for warning in warnings)


@pytest.mark.django_db
def test_a_key_written_as_sql_finds_nothing():
    _stored({"case": "A-1"})
    store = SessionStore("x' OR '1'='1")
    assert store.load() == {}
    assert store.session_key is None


@pytest.mark.django_db
def test_the_key_is_a_bound_parameter_of_sql_compiled_once():
    sessions._statements.clear()
    first = _stored({"case": "A-1"})
    second = _stored({"case": "B-2"})
    assert SessionStore(first)["case"] == "A-1"
    assert SessionStore(second)["case"] == "B-2"
    assert len(sessions._statements) == 1
    statement = next(iter(sessions._statements._kept.values()))
    assert first not in statement.sql and second not in statement.sql
    assert statement.params[statement.slots[0]] == sessions._PLACEHOLDER


def test_a_logged_out_session_s_cookie_is_refused_at_the_next_request(areas, make_user, client_for):
    client = client_for(make_user(areas["village_a"], "village_officer"))
    assert client.get("/accounts/profile/").status_code == 200
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.post("/accounts/logout/").status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    # Another browser (or worker) presenting the old cookie is sent to sign in.
    response = _client_with_cookie(key).get("/accounts/profile/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_an_expired_session_s_cookie_is_sent_to_sign_in(areas, make_user, client_for):
    client = client_for(make_user(areas["village_a"], "village_officer"))
    assert client.get("/accounts/profile/").status_code == 200
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get("/accounts/profile/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def _page_queries(client: Client) -> list[str]:
    with CaptureQueriesContext(connection) as context:
        assert client.get("/accounts/profile/").status_code == 200
    return [query["sql"] for query in context.captured_queries]


def test_a_page_makes_as_many_queries_as_with_django_s_store(areas, make_user, client_for, settings):
    user = make_user(areas["village_a"], "village_officer")
    kept = client_for(user)
    _page_queries(kept)  # the first request stamps the session (a write)
    kept_queries = _page_queries(kept)
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    plain = client_for(user)
    _page_queries(plain)
    plain_queries = _page_queries(plain)
    assert len(kept_queries) == len(plain_queries)
    assert sum("django_session" in sql for sql in kept_queries) == 1
    assert sum("django_session" in sql for sql in plain_queries) == 1


@pytest.mark.django_db
def test_the_session_is_read_on_the_primary_even_where_the_page_reads_from_the_replica(monkeypatch, settings):
    """A sign-out deletes the row on the primary; a replica may lag. Where a page's reads go to the
    replica (``reading_from_replica``), the router would send the session's read there too."""
    from jisheng.core import replica

    settings.DATABASE_ROUTERS = ["jisheng.core.replica.ReplicaRouter"]
    monkeypatch.setattr(replica, "configured", lambda: True)
    monkeypatch.setattr(replica.health, "usable", lambda: True)
    key = _stored({"case": "A-1"})
    asked: list[str] = []
    real = sessions._statements.objects

    def recording(*args: Any, using: str, **kwargs: Any) -> Any:
        asked.append(using)
        return real(*args, using="default", **kwargs)  # the tests' one database

    monkeypatch.setattr(sessions._statements, "objects", recording)
    with replica.reading_from_replica() as on_replica:
        from django.db import router

        assert on_replica and router.db_for_read(Session) == replica.REPLICA
        assert SessionStore(key)["case"] == "A-1"
    assert asked == [replica.PRIMARY]


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="statements are prepared on PostgreSQL only")
def test_on_postgresql_the_session_read_is_prepared_once_and_each_key_finds_only_its_own_session(clock):
    first, second = _stored({"case": "A-1"}), _stored({"case": "B-2"})
    sessions._statements.clear()
    assert SessionStore(first)["case"] == "A-1"
    assert SessionStore(second)["case"] == "B-2"
    assert SessionStore("x' OR '1'='1").load() == {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s", ["%django_session%"]
        )
        prepared = [row[0] for row in cursor.fetchall()]
    # One statement for every key, each bound on the server: no key is ever part of the SQL.
    assert len(prepared) == 1 and "$1" in prepared[0]
    assert first not in prepared[0] and second not in prepared[0]
    # Prepared, the expiry is still checked at each load against that load's clock.
    clock.advance(settings.SESSION_COOKIE_AGE + 1)
    assert SessionStore(first).load() == {}


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="statements are prepared on PostgreSQL only")
def test_on_postgresql_a_session_is_still_read_after_a_rolled_back_write_dropped_the_prepared_statements():
    from django.db import IntegrityError, transaction

    key = _stored({"case": "A-1"})
    assert SessionStore(key)["case"] == "A-1"
    # A failed write rolled back: psycopg drops the connection's prepared statements with it.
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.create(session_key=key, session_data="", expire_date=timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%django_session%"]
        )
        assert cursor.fetchone()[0] == 0
    # Prepared again at the next read.
    assert SessionStore(key)["case"] == "A-1"
    assert SessionStore(key)["case"] == "A-1"
