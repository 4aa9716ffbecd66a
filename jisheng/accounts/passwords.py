"""Password rules of 等保 level 3: length ≥ 8, three of four character classes, no reuse of the last
five, and a change every 90 days (enforced by AccountPolicyMiddleware)."""

from __future__ import annotations

import string
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _


def character_classes(password: str) -> int:
    lower = any(c in string.ascii_lowercase for c in password)
    upper = any(c in string.ascii_uppercase for c in password)
    digit = any(c in string.digits for c in password)
    other = any(not c.isalnum() for c in password)
    return sum((lower, upper, digit, other))


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's rule with our own message: Django's zh_Hans catalogue lags behind its English text."""

    def get_error_message(self) -> str:
        return _("The password must be at least %(count)d characters long.") % {"count": self.min_length}

    def get_help_text(self) -> str:
        return _("At least %(count)d characters.") % {"count": self.min_length}


class CharacterClassValidator:
    def validate(self, password: str, user: Any = None) -> None:
        if character_classes(password) < 3:
            raise ValidationError(
                _(
                    "The password must contain at least three of: lowercase letters, uppercase letters, "
                    "digits and symbols."
                ),
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return _("At least three of: lowercase letters, uppercase letters, digits and symbols.")


class NoReuseValidator:
    def validate(self, password: str, user: Any = None) -> None:
        if user is None or user.pk is None:
            return
        recent = user.password_history.all()[: settings.PASSWORD_HISTORY_SIZE]
        if any(check_password(password, entry.password_hash) for entry in recent):
            raise ValidationError(
                _("The password may not be one of your last %(count)d passwords.")
                % {"count": settings.PASSWORD_HISTORY_SIZE},
                code="password_reused",
            )

    def password_changed(self, password: str, user: Any = None) -> None:
        """Called by Django after a new password is saved: remember it and restart the 90 days."""
        if user is None or user.pk is None:
            return
        from .models import PasswordHistory, User

        PasswordHistory.objects.create(user=user, password_hash=user.password)
        keep = PasswordHistory.objects.filter(user=user).values_list("id", flat=True)[
            : settings.PASSWORD_HISTORY_SIZE
        ]
        PasswordHistory.objects.filter(user=user).exclude(id__in=list(keep)).delete()
        now = timezone.now()
        User.objects.filter(pk=user.pk).update(password_changed_at=now, must_change_password=False)
        user.password_changed_at = now
        user.must_change_password = False

    def get_help_text(self) -> str:
        return _("It may not repeat any of your last five passwords.")


def password_expired(user: Any) -> bool:
    if user.must_change_password:
        return True
    if user.password_changed_at is None:
        return False
    age = timezone.now() - user.password_changed_at
    return age.days >= settings.PASSWORD_MAX_AGE_DAYS
