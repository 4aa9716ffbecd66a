"""Passwords that pass the character rules but everyone guesses, tokens that outlive a password."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client

from jisheng.accounts.models import AccessToken
from jisheng.accounts.services import token_create, user_set_password


@pytest.mark.parametrize("password", ["Password1", "Qwerty123", "Iloveyou1"])
def test_a_common_password_is_refused_even_with_three_character_classes(areas, make_user, password):
    user = make_user(areas["village_a"], "village_officer")
    with pytest.raises(ValidationError) as error:
        user_set_password(user=user, password=password, by=user)
    assert any("常见" in message for message in error.value.messages), error.value.messages


def test_a_password_change_revokes_the_users_api_tokens(areas, make_user):
    user = make_user(areas["village_a"], "village_officer")
    _token, key = token_create(user=user, name="手机", by=user)
    assert Client().get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    user_set_password(user=user, password="Xin#Mima2027", by=user)
    assert Client().get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    assert not AccessToken.objects.filter(user=user, revoked_at__isnull=True).exists()


def test_the_password_page_revokes_tokens_too(areas, make_user, client_for):
    user = make_user(areas["village_a"], "village_officer")
    token, _key = token_create(user=user, name="手机", by=user)
    client = client_for(user)
    response = client.post(
        "/accounts/password/",
        {"old_password": "Test#Pass2026", "new_password1": "Xin#Mima2027", "new_password2": "Xin#Mima2027"},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_token_lives_at_most_ninety_days(areas, make_user):
    user = make_user(areas["village_a"], "village_officer", username="cun")
    with pytest.raises(ValidationError):
        token_create(user=user, name="长期", days=365, by=user)
    with pytest.raises(CommandError):
        call_command("token", "cun", "--days", "365")
