"""The outbox: every message to a resident (SMS, shown on the case page too) or to a staff member.

A row is written in the same transaction as the event it tells about, so a message is never lost and
never sent for an event that was rolled back; the periodic work sends it (``services.messages_send``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jisheng.areas.scoping import ScopedManager
from jisheng.core.crypto.fields import SealedCharField


class MessageKind(models.TextChoices):
    SMS = "sms", _("SMS to the applicant")
    STAFF = "staff", _("Notice to a staff member")


class MessageState(models.TextChoices):
    PENDING = "pending", _("waiting to be sent")
    SENDING = "sending", _("being sent")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed, needs attention")


class Message(models.Model):
    kind = models.CharField(_("kind"), max_length=8, choices=MessageKind.choices)
    # What the message is about, e.g. ("hall.application", "SQ-411723101-20261201-0001").
    subject_type = models.CharField(max_length=48)
    subject_id = models.CharField(max_length=64)
    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    # Sealed with SM4 (deterministically, as the registry's phones): the sender reads it opened.
    phone = SealedCharField(_("phone"), plain_max_length=20, blank=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.CharField(_("text"), max_length=300)
    # Where a staff notice leads (the case page); the subject's app knows its URL, this app does not.
    link = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"))
    state = models.CharField(_("state"), max_length=8, choices=MessageState.choices)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            models.Index(fields=["subject_type", "subject_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subject_id}"

    def audit_area_code(self) -> str:
        return self.area_id
