"""The catalogue (事项目录) and the policy Q&A base: policy data loaded from jisheng/policy/hall/*.toml."""

from __future__ import annotations

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Category(models.TextChoices):
    """六位一体: the seed names five kinds of service; assistance to families is the sixth desk."""

    PUBLICITY = "publicity", _("Publicity and education")
    CONSULTATION = "consultation", _("Policy consultation")
    TECHNICAL = "technical", _("Technical services")
    CERTIFICATE = "certificate", _("Certificates")
    APPROVAL = "approval", _("Administrative approval")
    ASSISTANCE = "assistance", _("Rewards and assistance")


class Level(models.TextChoices):
    VILLAGE = "village", pgettext_lazy("area level", "Village")
    TOWNSHIP = "township", pgettext_lazy("area level", "Township")
    COUNTY = "county", pgettext_lazy("area level", "County")
    CITY = "city", pgettext_lazy("area level", "City")


class ServiceItem(models.Model):
    code = models.SlugField(_("code"), max_length=48, unique=True)
    catalogue_version = models.CharField(_("catalogue version"), max_length=16)
    name = models.CharField(_("name"), max_length=64)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    summary = models.TextField(_("summary"), blank=True)
    legal_basis = models.TextField(_("legal basis"))
    time_limit_counter = models.PositiveSmallIntegerField(
        _("time limit at the counter (working days, 0 = same day)")
    )
    time_limit_online = models.PositiveSmallIntegerField(_("time limit online (working days, 0 = same day)"))
    fee = models.DecimalField(_("fee (yuan)"), max_digits=8, decimal_places=2, default=0)
    accepting_level = models.CharField(_("accepting level"), max_length=10, choices=Level.choices)
    approving_level = models.CharField(_("approving level"), max_length=10, choices=Level.choices)
    certificate = models.CharField(_("certificate issued"), max_length=32, blank=True)
    may_refuse_at_intake = models.BooleanField(
        _("intake may refuse"),
        default=True,
        help_text=_("False means unconditional acceptance (无条件受理)."),
    )
    bookable = models.BooleanField(_("bookable service"), default=False)
    # What a 办事指南 must say beyond the limits above (the provinces' guide standards).
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    legal_time_limit = models.PositiveSmallIntegerField(
        _("legal time limit (working days)"), null=True, blank=True
    )
    legal_time_limit_basis = models.CharField(_("basis of the legal time limit"), max_length=200, blank=True)
    special_steps = models.JSONField(_("special steps"), default=list, blank=True)
    visits = models.PositiveSmallIntegerField(_("visits to the hall"), default=1)
    fee_basis = models.CharField(_("basis of the fee"), max_length=200, blank=True)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective until"), null=True, blank=True)

    class Meta:
        ordering = ["category", "name"]
        verbose_name = _("service item")
        verbose_name_plural = _("service items")

    def __str__(self) -> str:
        return self.name

    @property
    def unconditional(self) -> bool:
        return not self.may_refuse_at_intake

    def is_effective(self, on: datetime.date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    def time_limit(self, *, online: bool) -> int:
        return self.time_limit_online if online else self.time_limit_counter


class Material(models.Model):
    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="materials")
    code = models.SlugField(_("code"), max_length=48)
    name = models.CharField(_("name"), max_length=64)
    required = models.BooleanField(_("required"), default=True)
    registry_fetchable = models.BooleanField(
        _("can be fetched from the registry"),
        default=False,
        help_text=_("Then the applicant need not bring it."),
    )
    originals = models.PositiveSmallIntegerField(_("originals"), default=1)
    copies = models.PositiveSmallIntegerField(_("copies"), default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)
    # A non-empty list means the office hands out a blank form with these fields (downloadable as PDF).
    form_fields = models.JSONField(_("fields of the blank form"), default=list, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["item", "position"]
        constraints = [models.UniqueConstraint(fields=["item", "code"], name="hall_material_unique_code")]
        verbose_name = _("required material")
        verbose_name_plural = _("required materials")

    def __str__(self) -> str:
        return self.name


class ServiceOffice(models.Model):
    """Where and when residents are served, and where they complain: the guide's contact block.

    ``code`` is a township's area code, or "default" for what every office shares (hours, hotlines).
    """

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=64)
    address = models.CharField(_("address"), max_length=128, blank=True)
    hours = models.CharField(_("office hours"), max_length=128, blank=True)
    phone = models.CharField(_("consultation phone"), max_length=64, blank=True)
    complaint_phone = models.CharField(_("complaint phone"), max_length=64, blank=True)
    complaint_channels = models.JSONField(_("complaint channels"), default=list, blank=True)
    catalogue_version = models.CharField(max_length=16)

    class Meta:
        ordering = ["code"]
        verbose_name = _("service office")
        verbose_name_plural = _("service offices")

    def __str__(self) -> str:
        return self.name


class QaEntry(models.Model):
    code = models.SlugField(max_length=48, unique=True)
    question = models.CharField(_("question"), max_length=200)
    answer = models.TextField(_("answer"))
    source = models.CharField(_("source"), max_length=200)
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    catalogue_version = models.CharField(max_length=16)

    class Meta:
        ordering = ["code"]
        verbose_name = _("policy question")
        verbose_name_plural = _("policy questions")

    def __str__(self) -> str:
        return self.question
