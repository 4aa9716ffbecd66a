"""Visits to households, pairings of cadres with households in difficulty, and the hand-off of what a
visit found that an office must act on (the petitions app's ledger pulls these)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jisheng.areas.scoping import ScopedManager
from jisheng.core.crypto.fields import SealedTextField


class Visit(models.Model):
    """走访: who went, when, whom they met, what was asked for and promised, when to follow up.

    ``client_id`` is the id the phone gave the visit when it was typed: a retry after a lost answer
    carries the same id and the database keeps one visit (a unique constraint)."""

    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,  # households are partitioned by county (registry)
    )
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    visited_on = models.DateField(_("visited on"))
    visitors = models.CharField(_("who went"), max_length=128)
    met = models.CharField(_("whom they met"), max_length=128, blank=True)
    # What was asked for and promised is typed freely on the doorstep and is often about an illness, a
    # disability, a pregnancy or contraception: health data, sealed at rest (SM4, random nonce) like
    # outreach's health results. Nothing searches these texts; the hand-off's summary copies them.
    asked = SealedTextField(_("asked for"), blank=True)
    promised = SealedTextField(_("promised"), blank=True)
    follow_up_due = models.DateField(_("follow-up due"), null=True, blank=True)
    pairing = models.ForeignKey(
        "outreach.Pairing", null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    client_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("visit")
        ordering = ["-visited_on", "-pk"]
        indexes = [models.Index(fields=["area", "visited_on"], name="outreach_visit_area_day")]

    def __str__(self) -> str:
        return f"{self.visited_on} {self.household_id}"


class Handoff(models.Model):
    """What a visit found that needs an office: open until the petitions app takes it into its ledger
    (``handoff_take``) or the village settles it itself (``handoff_settle``)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Needs an office")
        HANDED_OFF = "handed_off", _("Handed off")
        SETTLED = "settled", _("Settled locally")

    visit = models.OneToOneField(Visit, on_delete=models.PROTECT, related_name="handoff")
    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,  # households are partitioned by county (registry)
    )
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    summary = SealedTextField(_("what needs action"))  # a copy of the visit's asked/promised: sealed too
    due = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    reference = models.CharField(_("taken as"), max_length=64, blank=True)
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("hand-off")
        ordering = ["due", "pk"]
        indexes = [models.Index(fields=["status", "area"], name="outreach_handoff_open")]

    def __str__(self) -> str:
        return f"handoff {self.pk}"


class Pairing(models.Model):
    """结对帮扶: a cadre paired with a household in difficulty, from a date until ended."""

    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("pairing", "Active")
        ENDED = "ended", _("Ended")

    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,  # households are partitioned by county (registry)
    )
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    difficulty = models.CharField(_("difficulty"), max_length=128)
    started_on = models.DateField(_("since"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE)

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("pairing")
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cadre", "household"],
                condition=models.Q(status="active"),
                name="outreach_one_active_pairing",
            )
        ]

    def __str__(self) -> str:
        return f"pairing {self.pk}"


class HelpRecord(models.Model):
    """Help given under a pairing: what, when, and its value in yuan when it has one."""

    pairing = models.ForeignKey(Pairing, on_delete=models.PROTECT, related_name="help")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    given_on = models.DateField(_("given on"))
    description = models.CharField(_("help given"), max_length=255)
    value = models.DecimalField(_("value (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("help given")
        ordering = ["-given_on", "-pk"]

    def __str__(self) -> str:
        return f"help {self.pk}"
