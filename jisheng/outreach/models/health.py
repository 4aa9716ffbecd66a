"""Free health services: pre-pregnancy checks per couple, cervical and breast cancer screening per
woman, and referrals for birth-defect intervention and infertility.

These are health data, the most sensitive in the system: pages and exports show them masked (see
``outreach.masking``) unless a user reveals one record with a reason, which is audited. At rest they are
sealed with SM4 (GB/T 39786-2021 §8.4 e, ``jisheng.core.crypto.fields``): a result category
deterministically (``SealedCharField``: the screening figures still filter and count by it), free text
with a random nonce (``SealedTextField``: never searched)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jisheng.areas.scoping import ScopedManager
from jisheng.core.crypto.fields import SealedCharField, SealedTextField

# The fields of each model that are health data and never shown unmasked in a list or an export.
SENSITIVE = ("result", "follow_up", "referral", "referred_to", "outcome", "reason")


class PrePregnancyCheck(models.Model):
    """免费孕前优生健康检查 for one couple: booked as a hall case of the catalogue's bookable item (at the
    counter, on the portal or from outreach's page), done with its result, which closes the hall case."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    class Result(models.TextChoices):
        NONE = "", _("Not yet")
        NORMAL = "normal", _("No risk found")
        RISK = "risk", _("Risk found, advice given")
        HIGH_RISK = "high_risk", _("High risk, referred")

    wife = models.ForeignKey(
        "registry.Person",
        verbose_name=_("wife"),
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    husband = models.ForeignKey(
        "registry.Person",
        verbose_name=_("husband"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.BOOKED)
    booked_on = models.DateField(_("booked for"))
    hall_reference = models.CharField(_("hall booking"), max_length=32, blank=True)
    # The hall's case of the booking (its bookable catalogue item), closed when the check is done.
    hall_application = models.OneToOneField(
        "hall.Application",
        verbose_name=_("hall booking"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    done_on = models.DateField(_("checked on"), null=True, blank=True)
    result = SealedCharField(_("result"), plain_max_length=10, choices=Result.choices, blank=True, default="")
    follow_up = SealedTextField(_("follow-up"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("pre-pregnancy check")
        ordering = ["-booked_on", "-pk"]
        indexes = [
            models.Index(fields=["area", "done_on"], name="outreach_prepreg_done"),
            # the village's list, newest booking first, read off the index without a sort
            models.Index(fields=["area", "booked_on"], name="outreach_prepreg_booked"),
        ]

    def __str__(self) -> str:
        return f"prepregnancy {self.pk}"


class Screening(models.Model):
    """两癌筛查: one woman, one kind (cervical or breast), invited → screened → result → referral."""

    class Kind(models.TextChoices):
        CERVICAL = "cervical", _("Cervical cancer")
        BREAST = "breast", _("Breast cancer")

    class Result(models.TextChoices):
        NONE = "", _("Not yet")
        NORMAL = "normal", pgettext_lazy("health", "Normal")
        ABNORMAL = "abnormal", _("Abnormal, to be followed")
        SUSPECTED = "suspected", _("Suspected cancer")

    woman = models.ForeignKey(
        "registry.Person",
        verbose_name=_("woman"),
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("screening"), max_length=10, choices=Kind.choices)
    invited_on = models.DateField(_("invited on"))
    screened_on = models.DateField(_("screened on"), null=True, blank=True)
    result = SealedCharField(_("result"), plain_max_length=10, choices=Result.choices, blank=True, default="")
    referral = SealedTextField(_("referred to"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("screening")
        ordering = ["-invited_on", "-pk"]
        indexes = [
            models.Index(fields=["area", "screened_on"], name="outreach_screen_done"),
            # the village's list, newest invitation first, read off the index without a sort
            models.Index(fields=["area", "invited_on"], name="outreach_screen_invited"),
        ]

    def __str__(self) -> str:
        return f"screening {self.pk}"


class HealthReferral(models.Model):
    """A referral for birth-defect intervention or infertility treatment, with its outcome."""

    class Kind(models.TextChoices):
        BIRTH_DEFECT = "birth_defect", _("Birth-defect intervention")
        INFERTILITY = "infertility", _("Infertility")

    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("referral"), max_length=12, choices=Kind.choices)
    referred_on = models.DateField(_("referred on"))
    # Where to and why (a birth defect, infertility) and what came of it: all health findings. The kind
    # stays plain (the list is read by it and says no more than "a referral for infertility" in a count).
    referred_to = SealedTextField(_("referred to"))
    reason = SealedTextField(_("reason"), blank=True)
    outcome = SealedTextField(_("outcome"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("health referral")
        ordering = ["-referred_on", "-pk"]

    def __str__(self) -> str:
        return f"referral {self.pk}"
