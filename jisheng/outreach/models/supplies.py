"""Contraceptive and publicity supplies: items, stock per area, item and expiry, and the ledger of
every movement. A stock level never goes below zero (a database check, and every decrement is a
conditional UPDATE, so two hand-outs racing for the last box cannot both succeed)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jisheng.areas.scoping import ScopedManager


class SupplyItem(models.Model):
    class Kind(models.TextChoices):
        CONTRACEPTIVE = "contraceptive", _("Contraceptive")
        PUBLICITY = "publicity", _("Publicity material")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    unit = models.CharField(_("unit"), max_length=8, default="盒")
    minimum = models.PositiveIntegerField(_("shortage below"), default=0)

    class Meta:
        verbose_name = _("supply item")
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return self.name


class StockLevel(models.Model):
    """How many of an item an area holds, per expiry date (publicity has none: the date is null)."""

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(SupplyItem, on_delete=models.PROTECT, related_name="levels")
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=0)

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("stock level")
        ordering = ["item__code", "expires_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "item", "expires_on"], name="outreach_one_level_per_batch"
            ),
            models.UniqueConstraint(
                fields=["area", "item"],
                condition=models.Q(expires_on__isnull=True),
                name="outreach_one_level_without_expiry",
            ),
            models.CheckConstraint(condition=models.Q(quantity__gte=0), name="outreach_stock_never_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.item_id} {self.expires_on}"


class StockMovement(models.Model):
    """One line of the ledger: a signed quantity at one area's store."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", pgettext_lazy("stock", "Received")
        TRANSFER_OUT = "transfer_out", _("Sent to another area")
        TRANSFER_IN = "transfer_in", _("Received from another area")
        HANDOUT_PERSON = "handout_person", _("Handed out to a person")
        HANDOUT_EVENT = "handout_event", _("Handed out at an event")
        EXPIRED = "expired", _("Written off as expired")

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(SupplyItem, on_delete=models.PROTECT, related_name="+")
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    kind = models.CharField(_("movement"), max_length=14, choices=Kind.choices)
    quantity = models.IntegerField(_("quantity"))  # + in, - out
    moved_on = models.DateField(_("date"))
    person = models.ForeignKey(
        "registry.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    campaign = models.ForeignKey(
        "outreach.Campaign", null=True, blank=True, on_delete=models.PROTECT, related_name="movements"
    )
    counterpart = models.ForeignKey(
        "areas.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=128, blank=True)
    client_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("stock movement")
        ordering = ["-moved_on", "-pk"]
        indexes = [models.Index(fields=["area", "moved_on"], name="outreach_movement_day")]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity}"
