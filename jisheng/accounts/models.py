from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jisheng.areas.scoping import ScopedQuerySet
from jisheng.core.crypto.fields import SealedCharField

from .roles import READ_ONLY_ROLES, ROLE_CHOICES, ROLES_REQUIRING_TOTP, role_label


class Role(models.Model):
    code = models.CharField(max_length=32, primary_key=True, choices=ROLE_CHOICES)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return role_label(self.code)


class StaffManager(UserManager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    """A staff member. Belongs to exactly one area and sees that area and everything below it."""

    scope_area_path = "area"

    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), null=True, on_delete=models.PROTECT, related_name="staff"
    )
    full_name = models.CharField(_("full name"), max_length=64, blank=True)
    # Sealed with SM4 (deterministically, as residents' phones are): a look-up by the whole phone works.
    phone = SealedCharField(_("phone"), plain_max_length=20, blank=True)
    roles = models.ManyToManyField(Role, verbose_name=_("roles"), blank=True, related_name="users")
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)
    must_change_password = models.BooleanField(_("must change password"), default=False)

    if TYPE_CHECKING:
        # Set on each request's user by django-otp's middleware: True once the second factor is proven.
        def is_verified(self) -> bool: ...

        # Set by ``backends.load_staff``: the ids of the user's confirmed authenticators.
        _confirmed_devices: set[int]

    objects = StaffManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")

    def __str__(self) -> str:
        return self.full_name or self.username

    def role_codes(self) -> set[str]:
        cached = getattr(self, "_role_codes", None)
        if cached is None:
            cached = set(self.roles.values_list("code", flat=True))
            self._role_codes = cached
        return cached

    def has_role(self, *codes: str) -> bool:
        return bool(self.role_codes() & set(codes))

    @property
    def needs_totp(self) -> bool:
        return bool(self.role_codes() & ROLES_REQUIRING_TOTP)

    @property
    def is_read_only(self) -> bool:
        codes = self.role_codes()
        return bool(codes) and codes <= READ_ONLY_ROLES

    def audit_area_code(self) -> str:
        return self.area_id or ""


def staff_user(by: object) -> User | None:
    """The staff User behind an actor, None for a resident or the system: what a ``created_by``-like
    field stores (``core.actor.is_staff`` says the same without naming the model)."""
    return by if isinstance(by, User) and by.is_authenticated else None


def acting_user(by: object) -> User:
    """The staff User taking a step only staff take (issuing, deciding): refused for anyone else."""
    user = staff_user(by)
    if user is None:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("Only a signed-in staff member may take this step."))
    return user


class PasswordHistory(models.Model):
    """The last hashes of a user's passwords, so that none of the last five is used again."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password_hash = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.created_at:%Y-%m-%d}"


class AccessToken(models.Model):
    """A personal access token for the API. Only its SHA-256 is stored; it expires and can be revoked."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="access_tokens")
    name = models.CharField(_("name"), max_length=64)
    prefix = models.CharField(_("prefix"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("access token")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    def audit_area_code(self) -> str:
        return self.user.area_id or ""
