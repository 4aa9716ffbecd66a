"""Applications (cases) and what happens to them: files, one-time notices, handovers, posts with A/B roles."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jisheng.areas.scoping import ScopedManager
from jisheng.core.crypto.fields import SealedCharField, blind_index, derived_index

from .catalogue import ServiceItem


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    COUNTER = "counter", _("At the counter")
    PROXY = "proxy", _("By proxy (village officer)")
    HOME_VISIT = "home_visit", _("Home visit")


class ApplicationStatus(models.TextChoices):
    RECEIVED = "received", _("Received, in progress")
    AWAITING_CORRECTION = "awaiting_correction", _("Waiting for the applicant's correction")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", pgettext_lazy("case", "Refused")


OPEN_STATUSES = (ApplicationStatus.RECEIVED, ApplicationStatus.AWAITING_CORRECTION)


def applicant_id_tail_index(tail: str) -> str:
    """The keyed index of an ID number's last four characters (what ``Application.applicant_id_tail``
    holds): the clerk's queue finds a case by the tail read off a masked ID without the number in the clear."""
    return blind_index(tail.upper(), purpose="hall.application.applicant_id_tail")


def _applicant_id_tail_of(number: str) -> str:
    return applicant_id_tail_index(number[-4:]) if number else ""


# Recomputed with every other blind index when the index key rotates (jisheng crypto-rotate --index).
derived_index(
    "hall.application", "applicant_id_tail", source="applicant_id_number", compute=_applicant_id_tail_of
)


class Post(models.Model):
    """A post of a township's service hall (AB角): A holds it, B stands in while A is absent."""

    office = models.ForeignKey("areas.Area", verbose_name=_("office"), on_delete=models.PROTECT)
    name = models.CharField(_("post"), max_length=64)
    holder_a = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("A (holder)"), on_delete=models.PROTECT, related_name="+"
    )
    holder_b = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("B (stand-in)"), on_delete=models.PROTECT, related_name="+"
    )
    a_absent = models.BooleanField(_("A is absent"), default=False)

    scope_area_path = "office"
    objects = ScopedManager()

    class Meta:
        ordering = ["office", "name"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")

    def __str__(self) -> str:
        return f"{self.office.name} {self.name}"

    def audit_area_code(self) -> str:
        return self.office_id

    @property
    def on_duty(self):  # type: ignore[no-untyped-def]
        return self.holder_b if self.a_absent else self.holder_a


class Application(models.Model):
    number = models.CharField(_("application number"), max_length=40, unique=True)
    item = models.ForeignKey(ServiceItem, verbose_name=_("service item"), on_delete=models.PROTECT)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("village"), on_delete=models.PROTECT, related_name="hall_applications"
    )
    office = models.ForeignKey(
        "areas.Area", verbose_name=_("office"), on_delete=models.PROTECT, related_name="hall_office_cases"
    )
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_constraint=False,
    )
    applicant_name = models.CharField(_("applicant"), max_length=32)
    # Sealed with SM4 (deterministically, as the registry's): the portal's number + phone check and a
    # search by the whole ID number compare whole values, which a sealed column keeps; the last four
    # characters are found through applicant_id_tail, kept in step by save().
    applicant_id_number = SealedCharField(_("resident ID number"), plain_max_length=18)
    applicant_phone = SealedCharField(_("phone"), plain_max_length=20)
    applicant_id_tail = models.CharField(max_length=64, blank=True)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=24, choices=ApplicationStatus.choices, default=ApplicationStatus.RECEIVED
    )
    details = models.JSONField(_("details"), default=dict, blank=True)
    received_materials = models.JSONField(default=list, blank=True)
    fetched_materials = models.JSONField(default=list, blank=True)
    received_at = models.DateTimeField(_("received at"))
    accepted_on = models.DateField(_("accepted on"))
    time_limit = models.PositiveSmallIntegerField(_("time limit (working days)"))
    due_on = models.DateField(_("due on"), null=True, blank=True)
    working_days_used = models.PositiveSmallIntegerField(default=0)
    paused_on = models.DateField(_("clock stopped on"), null=True, blank=True)
    warned_on = models.DateField(null=True, blank=True)
    overdue_recorded = models.BooleanField(default=False)
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases")
    first_receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("first receiver"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hall_cases",
    )
    standing_in_for = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = models.TextField(_("reasons"), blank=True)
    refusal_rule = models.CharField(_("rule applied"), max_length=200, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    on_time = models.BooleanField(null=True)
    certificate = models.ForeignKey(
        "certificates.Certificate", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        # The clerk's queue at 100,000 open cases reads these indexes only (hall.queries): its rows come
        # in deadline order from (status, due_on, area) and (owner, status, due_on, area), the area of
        # the user's scope tested in the index, and its counts are ranges of the same two and of
        # (area, status), never a look-up of each row in the table. No index leads with the status
        # followed by the area: SQLite without statistics (right after a bulk load) would read the
        # queue's rows through it and sort all of them. The case's id ends both queue indexes, as the
        # queue's order does: without it PostgreSQL sorted every case of the first deadline (3,000 at
        # 100,000 open cases) to break the ties (SQLite's indexes end with the rowid anyway).
        indexes = [
            models.Index(fields=["office", "status", "due_on"]),
            models.Index(fields=["owner", "status", "due_on", "area", "id"], name="hall_case_owner_queue"),
            models.Index(fields=["status", "due_on", "area", "id"], name="hall_case_status_queue"),
            models.Index(fields=["area", "status"]),
        ]
        constraints = [
            # One open case per person and service item: a second application waits for the first to end.
            models.UniqueConstraint(
                fields=["person", "item"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="hall_one_open_application_per_person_item",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.item.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Whatever path saves a case (a service, a test's data), the tail index follows the ID number.
        self.fill_id_tail()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "applicant_id_number" in update_fields:
            kwargs["update_fields"] = {*update_fields, "applicant_id_tail"}
        super().save(*args, **kwargs)

    def fill_id_tail(self) -> None:
        """Keep ``applicant_id_tail`` in step with the ID number (bulk loads call it before inserting)."""
        self.applicant_id_tail = _applicant_id_tail_of(self.applicant_id_number)

    def audit_area_code(self) -> str:
        return self.area_id

    def scope_url_values(self) -> list[dict[str, str]]:
        return [{"number": self.number}]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def present_materials(self) -> set[str]:
        return self.materials_present(self.files.all())

    def materials_present(self, files: Iterable[SubmittedFile]) -> set[str]:
        """The codes of the materials received at the counter, fetched from the registry or among
        ``files`` (this case's submitted files, read by the caller)."""
        codes = set(self.received_materials) | set(self.fetched_materials)
        codes |= {f.material_code for f in files}
        return codes


class SubmittedFile(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="files")
    material_code = models.SlugField(max_length=48)
    file = models.FileField(upload_to="hall/%Y/%m/")
    original_name = models.CharField(max_length=128)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    submitted_at = models.DateTimeField()

    scope_area_path = "application__area"
    objects = ScopedManager()

    class Meta:
        ordering = ["submitted_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    def audit_area_code(self) -> str:
        return self.application.area_id

    def scope_url_values(self) -> list[dict[str, str]]:
        # The file page's URL names the case and the file; the scoping test fills both from here.
        return [{"pk": str(self.application_id), "file_pk": str(self.pk)}]


class Notice(models.Model):
    """一次性告知: every missing or defective material of one round, named at once."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="notices")
    number = models.CharField(_("notice number"), max_length=44, unique=True)
    sequence = models.PositiveSmallIntegerField()
    problems = models.JSONField(_("problems"))
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    scope_area_path = "application__area"
    objects = ScopedManager()

    class Meta:
        ordering = ["application", "sequence"]
        verbose_name = _("one-time notice")
        verbose_name_plural = _("one-time notices")

    def __str__(self) -> str:
        return self.number

    def audit_area_code(self) -> str:
        return self.application.area_id


class Handover(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="handovers")
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    to_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=200)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_user} → {self.to_user}"


class CaseEvent(models.Model):
    """What happened to a case, in words the applicant may read too (the portal shows these)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    text = models.CharField(max_length=300)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.text
