"""The signed-in staff member is loaded in one statement at each request (user, area, roles, confirmed
authenticators), and everything read that way still takes effect at the very next request."""

from typing import Any

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from jisheng.accounts.backends import MODEL_BACKEND, STAFF_BACKEND
from jisheng.accounts.models import Role, User


def _tables_read(client: Any, path: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def test_a_staff_page_reads_the_user_area_roles_and_authenticator_in_one_statement(
    areas, make_user, client_for
):
    officer = make_user(areas["county"], "county_staff")
    client = client_for(officer)
    statements = _tables_read(client, "/reporting/dashboard/")
    users = [sql for sql in statements if 'FROM "accounts_user"' in sql]
    assert len(users) == 1
    assert "accounts_user_roles" in users[0] and "otp_totp_totpdevice" in users[0]
    assert "areas_area" in users[0]
    alone = [sql for sql in statements if sql not in users]
    assert not any("accounts_user_roles" in sql or "otp_totp_totpdevice" in sql for sql in alone)


def test_a_role_withdrawn_between_two_requests_is_refused_at_the_second(areas, make_user, client_for):
    clerk = make_user(areas["township_a"], "counter_clerk")
    client = client_for(clerk)
    assert client.get("/hall/").status_code == 200
    # Withdrawn behind the service's back (no session ended): the next request must still see it.
    User.roles.through.objects.filter(user_id=clerk.pk).delete()
    assert client.get("/hall/").status_code == 403


def test_a_role_granted_between_two_requests_is_used_at_the_second(areas, make_user, client_for):
    officer = make_user(areas["village_a"], "village_officer")
    client = client_for(officer)
    assert client.get("/accounts/users/").status_code == 403
    officer.roles.add(Role.objects.get_or_create(code="security_admin")[0])
    # The new role needs a second factor: it is asked for before the page, as at sign-in.
    response = client.get("/accounts/users/")
    assert response.status_code == 302 and response.url == "/accounts/otp/"


def test_a_deactivated_user_is_signed_out_at_the_next_request(areas, make_user, client_for):
    clerk = make_user(areas["township_a"], "counter_clerk")
    client = client_for(clerk)
    assert client.get("/hall/").status_code == 200
    User.objects.filter(pk=clerk.pk).update(is_active=False)
    response = client.get("/hall/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_an_authenticator_removed_asks_for_the_second_factor_again_at_the_next_request(
    areas, make_user, client_for
):
    officer = make_user(areas["county"], "county_staff")
    client = client_for(officer)
    assert client.get("/reporting/dashboard/").status_code == 200
    TOTPDevice.objects.filter(user=officer).update(confirmed=False)
    response = client.get("/reporting/dashboard/")
    assert response.status_code == 302 and response.url == "/accounts/otp/"
    assert DEVICE_ID_SESSION_KEY not in client.session  # the session's second factor is forgotten


def test_a_session_naming_another_users_authenticator_is_not_verified(areas, make_user, client_for):
    officer = make_user(areas["county"], "county_staff")
    other = make_user(areas["county"], "county_staff")
    client_for(other)  # gives the other officer a confirmed authenticator
    theirs = TOTPDevice.objects.get(user=other)
    client = Client()
    client.force_login(officer)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = theirs.persistent_id
    session.save()
    response = client.get("/reporting/dashboard/")
    assert response.status_code == 302 and response.url == "/accounts/otp/"


def test_a_verified_officer_reaches_every_page_with_the_authenticator_read_with_the_user(
    areas, make_user, client_for
):
    officer = make_user(areas["county"], "county_staff")
    client = client_for(officer)
    statements = _tables_read(client, "/reporting/dashboard/")
    assert not any(sql.startswith('SELECT "otp_totp_totpdevice"') for sql in statements)


def test_a_session_signed_in_through_djangos_own_backend_is_carried_over_to_the_staff_backend(
    areas, make_user
):
    clerk = make_user(areas["township_a"], "counter_clerk")
    client = Client()
    client.force_login(clerk, backend=MODEL_BACKEND)
    assert client.session[BACKEND_SESSION_KEY] == MODEL_BACKEND
    assert client.get("/hall/").status_code == 200
    assert client.session[BACKEND_SESSION_KEY] == STAFF_BACKEND
    assert client.get("/hall/").status_code == 200


def test_a_changed_password_signs_out_the_sessions_that_proved_the_old_one(areas, make_user, client_for):
    clerk = make_user(areas["township_a"], "counter_clerk")
    client = client_for(clerk)
    assert client.get("/hall/").status_code == 200
    clerk.set_password("Another-long-passphrase-2026")
    clerk.save()
    response = client.get("/hall/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_a_session_naming_its_authenticator_by_the_old_full_path_is_still_verified(
    areas, make_user, client_for
):
    officer = make_user(areas["county"], "county_staff")
    client = client_for(officer)
    device = TOTPDevice.objects.get(user=officer)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = f"django_otp.plugins.otp_totp.models.TOTPDevice/{device.pk}"
    session.save()
    assert client.get("/reporting/dashboard/").status_code == 200


def test_the_async_user_accessor_carries_the_second_factor_too(areas, make_user, client_for, rf):
    from asgiref.sync import async_to_sync
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.http import HttpResponse

    from jisheng.accounts.backends import STAFF_BACKEND
    from jisheng.accounts.middleware import StaffAuthenticationMiddleware, StaffOTPMiddleware

    officer = make_user(areas["county"], "county_staff")
    client_for(officer)  # a confirmed authenticator
    device = TOTPDevice.objects.get(user=officer)
    request = rf.get("/reporting/dashboard/")
    request.session = SessionStore()
    request.session.update(
        {
            SESSION_KEY: str(officer.pk),
            BACKEND_SESSION_KEY: STAFF_BACKEND,
            HASH_SESSION_KEY: officer.get_session_auth_hash(),
            DEVICE_ID_SESSION_KEY: device.persistent_id,
        }
    )
    StaffAuthenticationMiddleware(lambda request: HttpResponse()).process_request(request)
    StaffOTPMiddleware(lambda request: HttpResponse())(request)
    user = async_to_sync(request.auser)()
    assert user.pk == officer.pk and user.is_verified() and user.otp_device.pk == device.pk


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statements are prepared on PostgreSQL only")
def test_on_postgresql_the_staff_read_is_prepared_once_and_a_role_withdrawn_still_counts_at_the_next_request(
    areas, make_user, client_for
):
    clerk = make_user(areas["township_a"], "counter_clerk")
    other = make_user(areas["township_b"], "counter_clerk")
    client, other_client = client_for(clerk), client_for(other)
    assert client.get("/hall/").status_code == 200
    assert other_client.get("/hall/").status_code == 200
    # One prepared statement for both users: the id is bound on the server, never written in the SQL.
    users = [sql for sql in _prepared_statements() if 'FROM "accounts_user"' in sql]
    assert len(users) == 1
    assert "$1" in users[0] and str(clerk.pk) not in users[0].split("WHERE", 1)[1]
    # The prepared read runs again at each request: what changed since shows at once.
    User.roles.through.objects.filter(user_id=clerk.pk).delete()
    assert client.get("/hall/").status_code == 403
    assert other_client.get("/hall/").status_code == 200
    User.objects.filter(pk=other.pk).update(is_active=False)
    response = other_client.get("/hall/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
