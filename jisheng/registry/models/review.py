"""Work the registry keeps about itself: duplicate pairs waiting for a person's decision, and imports."""

from __future__ import annotations

from pathlib import Path

from django.db import models
from django.utils.translation import gettext_lazy as _

from jisheng.areas.scoping import ScopedManager


class DuplicateCandidate(models.Model):
    """Two person records that probably describe one resident. Never merged without a decision.

    ``area`` is the smallest area holding both persons, so a pair spanning two townships is only
    visible to county staff, who can see both records.
    """

    class Reason(models.TextChoices):
        SAME_ID = "same_id", _("Same ID number")
        SAME_NAME_BIRTH = "name_birth", _("Same name and date of birth in different villages")
        TRANSPOSED_ID = "transposed", _("ID numbers differ by two swapped digits")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        MERGED = "merged", _("Merged")
        DISTINCT = "distinct", _("Different persons")

    person_a = models.ForeignKey(
        "registry.Person",
        verbose_name=_("first record"),
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
    )
    person_b = models.ForeignKey(
        "registry.Person",
        verbose_name=_("second record"),
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
    )
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    found_at = models.DateTimeField(_("found at"), auto_now_add=True)
    decided_by = models.CharField(_("decided by"), max_length=150, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("probable duplicate")
        verbose_name_plural = _("probable duplicates")
        constraints = [
            models.UniqueConstraint(fields=["person_a", "person_b"], name="registry_duplicate_pair_unique"),
        ]
        indexes = [models.Index(fields=["status", "area"])]

    def __str__(self) -> str:
        return f"{self.person_a_id} ~ {self.person_b_id}"

    def audit_area_code(self) -> str:
        return self.area_id


class ImportJob(models.Model):
    """One uploaded file going through mapping, dry run and commit (the web import's progress)."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=16)
    file_name = models.CharField(_("file name"), max_length=255)
    stored_path = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64)
    mapping = models.JSONField(default=dict)
    all_or_nothing = models.BooleanField(_("all or nothing"), default=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    done_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list)
    message = models.CharField(max_length=255, blank=True)
    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.file_name}"

    def audit_area_code(self) -> str:
        return self.area_id

    @property
    def progress_path(self) -> Path:
        return Path(f"{self.stored_path}.progress")

    def read_live_progress(self) -> None:
        """While checking or importing, take done/total rows from the file the import thread writes."""
        if self.status not in (self.Status.CHECKING, self.Status.IMPORTING) or not self.stored_path:
            return
        try:
            done, total = (int(part) for part in self.progress_path.read_text(encoding="ascii").split())
        except (OSError, ValueError):
            return
        self.done_rows, self.total_rows = done, total

    @property
    def percent(self) -> int:
        return int(100 * self.done_rows / self.total_rows) if self.total_rows else 0
