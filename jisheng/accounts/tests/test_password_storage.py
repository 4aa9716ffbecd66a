"""Passwords are stored as the security standard asks, even though the rest of the suite hashes quickly."""

from django.contrib.auth.hashers import check_password, identify_hasher
from django.test import override_settings

from jisheng import settings as production_settings


def test_a_new_password_is_stored_with_argon2_as_configured(areas, make_user):
    assert production_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    with override_settings(PASSWORD_HASHERS=production_settings.PASSWORD_HASHERS):
        user = make_user(areas["village_a"], "village_officer", username="cun")
        assert identify_hasher(user.password).algorithm == "argon2"
        assert check_password("Test#Pass2026", user.password)
        assert not check_password("test#pass2026", user.password)
