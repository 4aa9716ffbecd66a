"""What the server keeps of the offline app: the client ids it has applied, each once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppliedRecord(models.Model):
    """One record of a phone's outbox the server has applied, under the id the phone generated.

    The unique ``client_id`` makes a record sent twice (a cancelled upload, a retry, two tabs) take
    effect once: the second sending gets the first answer (``response``). Refused records and
    conflicts are not kept here — nothing was applied, and the corrected record is sent again under
    the same id.
    """

    client_id = models.UUIDField(_("client id"), unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=32)
    payload_hash = models.CharField(max_length=64)
    captured_at = models.DateTimeField(_("captured on the phone at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    area_code = models.CharField(_("area code"), max_length=12, blank=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    response = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("applied offline record")
        verbose_name_plural = _("applied offline records")
        indexes = [models.Index(fields=["user", "received_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.client_id}"

    def scope_url_values(self) -> list[dict[str, str]]:
        return [{"client_id": str(self.client_id)}]
