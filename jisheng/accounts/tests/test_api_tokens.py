from datetime import timedelta

from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from jisheng.accounts.models import AccessToken
from jisheng.accounts.services import token_create, token_revoke


def _me(key: str):
    return Client().get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {key}"})


def test_a_token_authenticates_api_calls_as_its_user(areas, make_user):
    user = make_user(areas["village_a"], "village_officer", username="cun")
    _token, key = token_create(user=user, name="手机", by=user)
    response = _me(key)
    assert response.status_code == 200
    assert response.json()["username"] == "cun"
    assert response.json()["area_code"] == areas["village_a"].code


def test_only_the_hash_of_a_token_is_stored(areas, make_user):
    user = make_user(areas["village_a"], "village_officer")
    token, key = token_create(user=user, name="手机", by=user)
    stored = AccessToken.objects.get(pk=token.pk)
    assert key not in (stored.key_hash, stored.prefix)
    assert stored.key_hash == AccessToken.hash_key(key)


def test_revoked_and_expired_tokens_are_refused(areas, make_user):
    user = make_user(areas["village_a"], "village_officer")
    revoked, revoked_key = token_create(user=user, name="旧", by=user)
    token_revoke(token=revoked, by=user)
    assert _me(revoked_key).status_code == 401
    expired, expired_key = token_create(user=user, name="过期", by=user)
    AccessToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _me(expired_key).status_code == 401
    assert _me("jst_not-a-token").status_code == 401


def test_without_credentials_the_api_answers_401(db):
    assert Client().get("/api/v1/accounts/me").status_code == 401


def test_a_session_post_without_the_csrf_token_is_refused_and_changes_nothing(areas, make_user, client_for):
    user = make_user(areas["township_a"], "counter_clerk")
    client = client_for(user)
    client.handler.enforce_csrf_checks = True
    assert client.get("/api/v1/accounts/me").status_code == 200  # reading needs no token
    page = client.post("/accounts/profile/", {"name": "采集终端", "days": 30})
    api = client.post("/api/v1/hall/applications", data={}, content_type="application/json")
    assert (page.status_code, api.status_code) == (403, 403)
    assert not AccessToken.objects.filter(user=user).exists()
    # The same form with the page's token goes through: the refusal above was the missing token's.
    token = client.get("/accounts/profile/").cookies["csrftoken"].value
    client.post("/accounts/profile/", {"name": "采集终端", "days": 30, "csrfmiddlewaretoken": token})
    assert AccessToken.objects.filter(user=user).count() == 1


def test_a_user_creates_and_revokes_a_token_on_the_profile_page(areas, make_user, client_for):
    user = make_user(areas["village_a"], "village_officer")
    client = client_for(user)
    page = client.post("/accounts/profile/", {"name": "采集终端", "days": 30})
    key = page.context["new_key"]
    assert key.startswith("jst_") and key in page.content.decode()
    assert _me(key).status_code == 200
    token = AccessToken.objects.get(user=user)
    client.post(f"/accounts/profile/tokens/{token.pk}/revoke/")
    assert _me(key).status_code == 401


def test_the_token_command_prints_a_working_token(areas, make_user, capsys):
    make_user(areas["village_a"], "village_officer", username="cun")
    call_command("token", "cun", "--days", "7")
    key = capsys.readouterr().out.strip()
    assert _me(key).status_code == 200
