"""Report forms (a versioned copy of the policy file), reports and stored figures."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jisheng.areas.scoping import ScopedManager
from jisheng.core.jobs import JobRecord

from .definitions import Form
from .periods import Period, parse


class ReportForm(models.Model):
    """A report form as loaded from jisheng/policy/reporting/forms; a changed file makes a new version."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    period_type = models.CharField(_("period type"), max_length=8)
    version = models.CharField(_("version"), max_length=16)
    definition = models.JSONField(_("definition"))
    loaded_at = models.DateTimeField(_("loaded at"), auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("report form")

    def __str__(self) -> str:
        return self.name

    def spec(self) -> Form:
        return Form.from_data(self.definition)


class Report(models.Model):
    """One area's report for one form and period; village reports are filled, higher ones aggregated."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned")
        APPROVED = "approved", pgettext_lazy("report", "Approved")

    form = models.ForeignKey(ReportForm, verbose_name=_("form"), on_delete=models.PROTECT)
    form_version = models.CharField(max_length=16)
    period_key = models.CharField(_("period"), max_length=16)
    period_start = models.DateField()
    period_end = models.DateField()
    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(_("level"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    values = models.JSONField(_("values"), default=dict)
    registry_values = models.JSONField(_("registry values"), default=dict)
    findings = models.JSONField(_("verification findings"), default=list)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    explanation = models.TextField(_("explanation"), blank=True)
    return_comment = models.TextField(_("return comment"), blank=True)
    due_date = models.DateField(_("due date"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    late = models.BooleanField(_("late"), default=False)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        ordering = ["-period_start", "area_id"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(fields=["form", "period_key", "area"], name="reporting_report_unique")
        ]
        indexes = [
            models.Index(fields=["form", "period_key", "area"]),
            models.Index(fields=["area", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.area} {self.form} {self.period_key}"

    def audit_area_code(self) -> str:
        return self.area_id

    def scope_url_values(self) -> list[dict[str, str]]:
        """URL values the scoping test tries: the records behind a real item of this report."""
        return [{"item": "births"}]

    @property
    def period(self) -> Period:
        return parse(self.period_key)

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.APPROVED

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    def high_findings(self) -> list[dict[str, Any]]:
        return [finding for finding in self.findings if finding.get("importance") == "high"]


class ReportJob(JobRecord):
    """Compiling a period's form for an area, or approving a report, done by ``jisheng worker`` as a
    durable job (jobs.py). One open job per compilation or approval: the same request again finds it."""

    class Kind(models.TextChoices):
        COMPILE = "compile", _("Compilation")
        APPROVE = "approve", _("Approval")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    form = models.ForeignKey(ReportForm, verbose_name=_("form"), on_delete=models.PROTECT, related_name="+")
    period_key = models.CharField(_("period"), max_length=16)
    report = models.ForeignKey(Report, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs")
    explanation = models.TextField(_("explanation"), blank=True)

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("report job")
        verbose_name_plural = _("report jobs")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "form", "period_key", "area"],
                condition=models.Q(kind="compile", status__in=("queued", "running")),
                name="reporting_one_open_compilation",
            ),
            models.UniqueConstraint(
                fields=["kind", "report"],
                condition=models.Q(kind="approve", status__in=("queued", "running")),
                name="reporting_one_open_approval",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_key} {self.area_id}"
