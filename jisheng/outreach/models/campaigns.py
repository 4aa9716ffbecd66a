"""Campaigns and events: a 5.29 care day, a market health day, a 关爱母亲 drive."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jisheng.areas.scoping import ScopedManager


class Campaign(models.Model):
    class Kind(models.TextChoices):
        CARE_DAY = "care_day", _("Care day (5.29 / 7.11)")
        MARKET_DAY = "market_day", _("Market health day")
        MOTHERS = "mothers", _("Caring for mothers")
        EDUCATION = "education", _("Health education")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    places = models.CharField(_("places"), max_length=255)
    staff = models.CharField(_("staff"), max_length=255, blank=True)
    services = models.CharField(_("services given"), max_length=255, blank=True)
    people_reached = models.PositiveIntegerField(_("people reached"), default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("campaign")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="outreach_campaign_dates"
            )
        ]

    def __str__(self) -> str:
        return self.name
