"""Care visits and relief: gifts and money given to households in difficulty, each yuan traceable to a
household, a visit and an approver other than the proposer (four eyes), as benefits' payments are."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jisheng.areas.scoping import ScopedManager


class CareGift(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPROVED = "approved", _("Approved")
        GIVEN = "given", _("Given")
        REFUSED = "refused", _("Refused")

    class Occasion(models.TextChoices):
        MAY_29 = "5.29", _("5.29 care day")
        JULY_11 = "7.11", _("7.11 population day")
        SPRING = "spring", _("Spring Festival")
        OTHER = "other", _("Other")

    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,  # households are partitioned by county (registry)
    )
    visit = models.ForeignKey(
        "outreach.Visit", verbose_name=_("visit"), on_delete=models.PROTECT, related_name="gifts"
    )
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    occasion = models.CharField(_("occasion"), max_length=8, choices=Occasion.choices)
    money = models.DecimalField(_("money (yuan)"), max_digits=12, decimal_places=2, default=0)
    goods = models.CharField(_("goods"), max_length=128, blank=True)
    goods_value = models.DecimalField(_("value of goods (yuan)"), max_digits=12, decimal_places=2, default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    given_on = models.DateField(_("given on"), null=True, blank=True)

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("care gift")
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(money__gte=0) & models.Q(goods_value__gte=0),
                name="outreach_gift_not_negative",
            )
        ]

    def __str__(self) -> str:
        return f"gift {self.pk}"
