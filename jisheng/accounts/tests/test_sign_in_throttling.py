"""Sign-in as level 3 asks, without giving an attacker a lever over other people's accounts."""

import datetime
import time

import pytest
from django.test import Client
from django.utils import timezone

from jisheng.audit.models import AuditEvent
from jisheng.core.clientaddress import client_address

TEST_PASSWORD = "Test#Pass2026"
ATTACKER = "203.0.113.9"
OFFICE = "10.1.2.3"


def _login(client: Client, username: str, password: str, address: str, **extra):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address, **extra
    )


def test_an_attacker_elsewhere_cannot_lock_the_real_user_out(areas, make_user):
    make_user(areas["village_a"], "village_officer", username="cun")
    attacker = Client()
    for _attempt in range(5):
        _login(attacker, "cun", "wrong-password", ATTACKER)
    assert _login(Client(), "cun", TEST_PASSWORD, ATTACKER).status_code == 429
    assert _login(Client(), "cun", TEST_PASSWORD, OFFICE).status_code == 302


class _StoppedClock:
    """The wall clock held still, so a slow machine cannot let a wait expire in the middle of a test."""

    def __init__(self) -> None:
        # Early in an hour, so the hourly window cannot roll over while the test runs.
        self.now = datetime.datetime(2026, 12, 2, 9, 5, tzinfo=datetime.UTC)

    def advance(self, seconds: float) -> None:
        self.now += datetime.timedelta(seconds=seconds)


@pytest.fixture
def stopped_clock(monkeypatch):
    clock = _StoppedClock()
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    monkeypatch.setattr(time, "time", lambda: clock.now.timestamp())
    return clock


def test_spraying_passwords_over_many_users_from_one_address_is_slowed(areas, make_user, stopped_clock):
    for n in range(30):
        make_user(areas["village_a"], "village_officer", username=f"user{n}")
    attacker = Client()
    refused = 0
    for n in range(120):
        response = _login(attacker, f"user{n % 30}", "Password1", ATTACKER)
        refused += response.status_code == 429
    checked = AuditEvent.objects.filter(action="account.login_failed").count()
    # After ten failures each further try must wait (1 s, 2 s, 4 s …): with the clock held still,
    # every guess after the tenth is answered without hashing a password.
    assert checked == 10
    assert refused == 110
    refusal = _login(attacker, "user1", "Password1", ATTACKER)
    assert refusal.status_code == 429 and "秒后再试" in refusal.content.decode()
    assert int(refusal["Retry-After"]) == 1
    # Once the second has passed, one more guess is checked, and the next wait doubles.
    stopped_clock.advance(1)
    assert _login(attacker, "user1", "Password1", ATTACKER).status_code == 200
    assert AuditEvent.objects.filter(action="account.login_failed").count() == 11
    assert int(_login(attacker, "user1", "Password1", ATTACKER)["Retry-After"]) == 2
    # Another address is not slowed by the attacker's failures.
    assert _login(Client(), "user2", TEST_PASSWORD, OFFICE).status_code == 302


def test_the_second_factor_step_never_redirects_to_another_site(areas, make_user):
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    make_user(areas["county"], "county_staff", username="xian")
    client = Client()
    _login(client, "xian", TEST_PASSWORD, OFFICE)
    client.get("/accounts/otp/")
    device = TOTPDevice.objects.get(user__username="xian")
    code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    response = client.post("/accounts/otp/?next=//evil.example/a", {"token": f"{code:06d}"})
    assert response.status_code == 302
    assert response.url == "/"


def test_the_client_address_is_read_through_a_trusted_proxy_only(settings, rf):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    proxied = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7, 127.0.0.1")
    assert client_address(proxied) == "198.51.100.7"
    forged = rf.get("/", REMOTE_ADDR="198.51.100.8", HTTP_X_FORWARDED_FOR="10.0.0.1")
    assert client_address(forged) == "198.51.100.8"
    settings.TRUSTED_PROXIES = []
    assert client_address(proxied) == "127.0.0.1"


def test_audit_events_record_the_address_behind_the_proxy(settings, areas, make_user):
    settings.TRUSTED_PROXIES = ["127.0.0.0/8"]
    make_user(areas["village_a"], "village_officer", username="cun")
    _login(Client(), "cun", TEST_PASSWORD, "127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert AuditEvent.objects.get(action="account.login").ip == "198.51.100.7"


def test_a_request_without_an_address_is_stored_without_one(rf):
    from jisheng.core.clientaddress import client_ip

    request = rf.get("/")
    del request.META["REMOTE_ADDR"]
    assert client_ip(request) is None
    assert client_ip(rf.get("/", REMOTE_ADDR="198.51.100.4")) == "198.51.100.4"
