"""Projects allocated by need (项目配送): villages and townships submit needs, the county scores and
allocates a year's projects and budget, then milestones, inspections and fund entries follow each one."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jisheng.areas.scoping import ScopedManager


class Need(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("project", "Submitted")
        ALLOCATED = "allocated", _("Allocated")
        NOT_ALLOCATED = "not_allocated", _("Not allocated this year")

    class Kind(models.TextChoices):
        SERVICE_ROOM = "service_room", _("Village service room")
        COURTYARD = "courtyard", _("Culture courtyard")
        BOARDS = "boards", _("Publicity boards")
        EQUIPMENT = "equipment", _("Equipment")
        OTHER = "other", _("Other")

    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    title = models.CharField(pgettext_lazy("project", "title"), max_length=128)
    description = models.TextField(_("description"), blank=True)
    cost = models.DecimalField(_("estimated cost (yuan)"), max_digits=12, decimal_places=2)
    # What the county scores on, each 0–10: how poor the current state is, how many people it serves,
    # and whether the area got nothing in recent years.
    urgency = models.PositiveSmallIntegerField(_("urgency (0–10)"), default=5)
    people_served = models.PositiveIntegerField(_("people served"), default=0)
    status = models.CharField(_("status"), max_length=14, choices=Status.choices, default=Status.SUBMITTED)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("need")
        ordering = ["year", "rank", "pk"]

    def __str__(self) -> str:
        return self.title


class AllocationRun(models.Model):
    """The county's decision for a year: the budget, the ranking as it was read, and who decided."""

    area = models.ForeignKey(
        "areas.Area", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    budget = models.DecimalField(_("budget (yuan)"), max_digits=14, decimal_places=2)
    ranking = models.JSONField(default=list)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by_name = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(auto_now_add=True)

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("allocation")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["area", "year"], name="outreach_one_allocation_a_year")
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.year}"


class Project(models.Model):
    class Status(models.TextChoices):
        ALLOCATED = "allocated", _("Allocated")
        UNDER_WAY = "under_way", _("Under way")
        DONE = "done", _("Done")

    need = models.OneToOneField(Need, on_delete=models.PROTECT, related_name="project")
    run = models.ForeignKey(AllocationRun, on_delete=models.PROTECT, related_name="projects")
    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(pgettext_lazy("project", "title"), max_length=128)
    implementer = models.CharField(_("implementing unit"), max_length=128, blank=True)
    allocated = models.DecimalField(_("allocated (yuan)"), max_digits=12, decimal_places=2)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ALLOCATED)

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("project")
        ordering = ["-year", "pk"]

    def __str__(self) -> str:
        return self.title


class Milestone(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="milestones")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("milestone"), max_length=128)
    due = models.DateField(_("due"))
    done_on = models.DateField(_("done on"), null=True, blank=True)

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        ordering = ["due", "pk"]

    def __str__(self) -> str:
        return self.title


class Inspection(models.Model):
    class Verdict(models.TextChoices):
        PASSED = "passed", _("Passed")
        DEFECTS = "defects", _("Defects to fix")
        FAILED = "failed", pgettext_lazy("inspection", "Failed")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="inspections")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    inspected_on = models.DateField(_("inspected on"))
    verdict = models.CharField(_("verdict"), max_length=8, choices=Verdict.choices)
    findings = models.TextField(pgettext_lazy("inspection", "findings"))
    photo = models.CharField(_("photo"), max_length=255, blank=True)  # path under the data directory
    inspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        ordering = ["-inspected_on", "-pk"]

    def __str__(self) -> str:
        return f"inspection {self.pk}"


class FundEntry(models.Model):
    class Kind(models.TextChoices):
        ALLOCATED = "allocated", _("Allocated")
        SPENT = "spent", _("Spent")
        RECEIPT = "receipt", _("Receipt filed")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="funds")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("entry"), max_length=10, choices=Kind.choices)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    entered_on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=128, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        ordering = ["entered_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="outreach_fund_positive")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"
