from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jisheng.areas.scoping import ScopedManager


class AppendOnlyError(RuntimeError):
    pass


class AuditEvent(models.Model):
    """One entry of the append-only, hash-chained audit trail.

    ``hash`` is SHA-256 over the previous event's hash and this event's canonical content, so editing,
    deleting or reordering any row breaks every hash after it; ``jisheng audit-verify`` names the
    first broken link. Identity fields are copied (username, roles, area) so that the record stays
    true when the account later changes.
    """

    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.PROTECT
    )
    actor_username = models.CharField(_("username"), max_length=150, blank=True)
    actor_roles = models.CharField(_("roles"), max_length=255, blank=True)
    area_code = models.CharField(_("area code"), max_length=12, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(pgettext_lazy("audit", "object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    scope_area_code_field = "area_code"
    objects = ScopedManager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            # The latest event of a kind of object in one index step: the portal's kept home page asks
            # on every request for the last event on a service item (the catalogue's version). Without
            # it that was a walk back from the newest event to the catalogue's last change, through
            # every event written since (1 ms at three thousand events, growing with the trail).
            models.Index(fields=["object_type", "id"], name="audit_latest_of_object_type"),
        ]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("audit events are append-only")


class AuditChainHead(models.Model):
    """A single row holding the last hash; locking it serialises appends so the chain never forks."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_hash = models.CharField(max_length=64)
    last_event_id = models.BigIntegerField(null=True)
    # The checkpoint of the last retention purge: events up to purged_through_id are gone and the first
    # one left links to purged_last_hash, which verification starts from instead of the genesis hash.
    purged_through_id = models.BigIntegerField(null=True)
    purged_last_hash = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"audit chain head #{self.last_event_id}"


class AuditPurgePermit(models.Model):
    """The one way past the append-only trigger: the purge writes a row, deletes, and removes the row, all
    in one transaction, so no other connection ever sees a permit (see ``jisheng.audit.triggers``)."""

    through_id = models.BigIntegerField()

    def __str__(self) -> str:
        return f"audit purge permit through #{self.through_id}"
