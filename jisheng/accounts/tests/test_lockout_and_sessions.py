from datetime import timedelta

from django.conf import settings
from django.test import Client
from django.utils import timezone

from jisheng.audit.models import AuditEvent

TEST_PASSWORD = "Test#Pass2026"


def _login(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(areas, make_user):
    make_user(areas["village_a"], "village_officer", username="cun")
    client = Client()
    for _attempt in range(5):
        assert _login(client, "cun", "wrong-password").status_code in (200, 429)
    response = _login(client, "cun", TEST_PASSWORD)
    assert response.status_code == 429
    assert "账号已锁定" in response.content.decode()
    assert AuditEvent.objects.filter(action="account.login_failed", object_id="cun").count() >= 5


def test_four_wrong_passwords_still_let_the_right_one_in(areas, make_user):
    make_user(areas["village_a"], "village_officer", username="cun")
    client = Client()
    for _attempt in range(4):
        _login(client, "cun", "wrong-password")
    assert _login(client, "cun", TEST_PASSWORD).status_code == 302


def test_a_locked_account_is_unlocked_by_the_security_administrator(areas, make_user, client_for):
    make_user(areas["village_a"], "village_officer", username="cun")
    security = make_user(areas["county"], "security_admin", username="sec")
    client = Client()
    for _attempt in range(5):
        _login(client, "cun", "wrong-password")
    admin_client = client_for(security)
    listing = admin_client.get("/accounts/users/")
    assert "已锁定" in listing.content.decode()
    from jisheng.accounts.models import User

    target = User.objects.get(username="cun")
    admin_client.post(f"/accounts/users/{target.pk}/unlock/")
    assert _login(Client(), "cun", TEST_PASSWORD).status_code == 302
    assert AuditEvent.objects.filter(action="account.unlock", object_id=str(target.pk)).exists()


def test_a_session_idle_for_thirty_minutes_has_expired(areas, make_user, client_for):
    user = make_user(areas["village_a"], "village_officer")
    client = client_for(user)
    assert client.get("/").status_code == 200
    assert settings.SESSION_COOKIE_AGE == 30 * 60  # renewed at most once a minute: core.middleware
    # What an idle half hour does to the stored session: its expiry date passes.
    from django.contrib.sessions.models import Session

    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    # A staff page sends the expired session to sign in (the site root now leads to the residents' portal).
    response = client.get("/accounts/profile/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_activity_renews_the_session_expiry(areas, make_user, client_for):
    from django.contrib.sessions.models import Session

    user = make_user(areas["village_a"], "village_officer")
    client = client_for(user)
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + timedelta(minutes=1))
    client.get("/")
    renewed = Session.objects.get(session_key=key).expire_date
    assert renewed > timezone.now() + timedelta(minutes=29)


def test_county_staff_must_prove_a_second_factor_before_reaching_any_page(areas, make_user):
    make_user(areas["county"], "county_staff", username="xian")
    client = Client()
    _login(client, "xian", TEST_PASSWORD)
    response = client.get("/")
    assert response.status_code == 302 and response.url == "/accounts/otp/"
    enrol = client.get("/accounts/otp/")
    assert "绑定身份验证器" in enrol.content.decode()


def test_a_correct_totp_code_completes_the_sign_in(areas, make_user):
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    make_user(areas["county"], "county_staff", username="xian")
    client = Client()
    _login(client, "xian", TEST_PASSWORD)
    client.get("/accounts/otp/")
    device = TOTPDevice.objects.get(user__username="xian")
    assert client.post("/accounts/otp/", {"token": "000000"}).status_code == 200
    device.refresh_from_db()
    device.throttle_reset()  # django-otp slows down guessing after a wrong code
    code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    response = client.post("/accounts/otp/", {"token": f"{code:06d}"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_village_officers_need_no_second_factor(areas, make_user):
    make_user(areas["village_a"], "village_officer", username="cun")
    client = Client()
    _login(client, "cun", TEST_PASSWORD)
    assert client.get("/").status_code == 200
