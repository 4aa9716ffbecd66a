from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from jisheng.accounts.models import User
from jisheng.accounts.services import user_set_password

TEST_PASSWORD = "Test#Pass2026"


def test_a_password_shorter_than_eight_characters_is_refused_in_chinese(areas, make_user):
    user = make_user(areas["village_a"], "village_officer")
    with pytest.raises(ValidationError) as error:
        user_set_password(user=user, password="Ab#1", by=user)
    assert "密码长度至少为 8 位。" in error.value.messages


def test_a_password_with_only_two_character_classes_is_refused(areas, make_user):
    user = make_user(areas["village_a"], "village_officer")
    with pytest.raises(ValidationError) as error:
        user_set_password(user=user, password="onlylowercase123", by=user)
    assert "密码须至少包含小写字母、大写字母、数字、符号中的三类。" in error.value.messages


def test_none_of_the_last_five_passwords_may_be_used_again(areas, make_user):
    user = make_user(areas["village_a"], "village_officer")
    passwords = [f"Secret#{n}abc" for n in range(6)]
    for password in passwords:
        user_set_password(user=user, password=password, by=user)
    with pytest.raises(ValidationError) as error:
        user_set_password(user=user, password=passwords[2], by=user)
    assert "新密码不能与最近 5 次使用过的密码相同。" in error.value.messages
    # The first one has dropped out of the last five and may come back.
    user_set_password(user=user, password=passwords[0], by=user)


def test_the_password_page_refuses_a_weak_password_with_a_chinese_message(areas, make_user, client_for):
    user = make_user(areas["village_a"], "village_officer")
    response = client_for(user).post(
        "/accounts/password/",
        {"old_password": TEST_PASSWORD, "new_password1": "password", "new_password2": "password"},
    )
    assert response.status_code == 200
    assert "密码须至少包含小写字母、大写字母、数字、符号中的三类。" in response.content.decode()


def test_a_password_older_than_90_days_must_be_changed_before_anything_else(areas, make_user, client_for):
    user = make_user(areas["village_a"], "village_officer")
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=91))
    client = client_for(user)
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == "/accounts/password/"
    assert client.get("/accounts/password/").status_code == 200


def test_changing_the_password_restarts_the_90_days_and_is_audited(areas, make_user):
    from jisheng.audit.models import AuditEvent

    user = make_user(areas["village_a"], "village_officer")
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=91))
    user.refresh_from_db()
    user_set_password(user=user, password="Fresh#Pass2026", by=user)
    user.refresh_from_db()
    assert timezone.now() - user.password_changed_at < timedelta(minutes=1)
    assert AuditEvent.objects.filter(action="account.password_change", object_id=str(user.pk)).exists()
