from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jisheng.areas.scoping import ScopedManager
from jisheng.core.crypto.fields import SealedCharField


class Certificate(models.Model):
    """A numbered certificate; its QR code carries a payload signed with the office's Ed25519 key."""

    number = models.CharField(_("certificate number"), max_length=40, unique=True)
    kind = models.CharField(_("certificate"), max_length=32)
    area = models.ForeignKey("areas.Area", verbose_name=_("village"), on_delete=models.PROTECT)
    issuer = models.ForeignKey(
        "areas.Area", verbose_name=_("issuing office"), on_delete=models.PROTECT, related_name="+"
    )
    holder_name = models.CharField(_("holder"), max_length=32)
    # Sealed with SM4 (deterministically: a look-up by the whole number still works), like the registry's.
    holder_id_number = SealedCharField(_("resident ID number"), plain_max_length=18)
    details = models.JSONField(_("details"), default=dict, blank=True)
    source_ref = models.CharField(_("application number"), max_length=40, blank=True)
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    key_id = models.CharField(max_length=16)
    payload = models.TextField()
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(_("reason for revocation"), max_length=200, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self) -> str:
        return f"{self.kind} {self.number}"

    def audit_area_code(self) -> str:
        return self.area_id

    def scope_url_values(self) -> list[dict[str, str]]:
        return [{"number": self.number}]

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None


class NumberSequence(models.Model):
    """A gap-free counter per prefix (certificate and application numbers), locked while incremented."""

    key = models.CharField(max_length=64, primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}={self.last}"


class RevocationRequest(models.Model):
    """Revoking a certificate takes two people: a clerk asks, with a reason; a township head decides.

    A revocation cannot be undone (the public verification page says so from then on), so no one
    revokes on their own.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the township head")
        APPROVED = "approved", _("Approved: certificate revoked")
        REJECTED = "rejected", _("Rejected")

    certificate = models.ForeignKey(
        Certificate, verbose_name=_("certificate"), on_delete=models.PROTECT, related_name="revocations"
    )
    reason = models.CharField(_("reason for revocation"), max_length=200)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("note on the decision"), max_length=200, blank=True)

    scope_area_path = "certificate__area"
    objects = ScopedManager()

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("revocation request")
        verbose_name_plural = _("revocation requests")
        constraints = [
            models.UniqueConstraint(
                fields=["certificate"],
                condition=models.Q(status="pending"),
                name="one_pending_revocation_per_certificate",
            )
        ]

    def __str__(self) -> str:
        return f"{self.certificate.number} {self.get_status_display()}"

    def audit_area_code(self) -> str:
        return self.certificate.area_id
