"""What the benefit process keeps: batches of proposed lines, objections, payments, applications and
continuing enrolments. The programmes themselves are rule files (rules.py), referred to by their id
and version text, so a line always says which rule version produced its amount."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jisheng.areas.scoping import ScopedManager
from jisheng.core.crypto.fields import SealedCharField, SealedTextField
from jisheng.core.jobs import JobRecord

# A batch that may still change or pay: one per programme, area and year (proposing again returns it).
OPEN_BATCH_STATUSES = ("proposed", "notice", "reviewed", "approved", "paying")
# An application still being decided or waiting to be paid: one per person, programme and year.
OPEN_APPLICATION_STATUSES = ("eligible", "verifying")


class PayeeAccount(models.Model):
    """Where the money goes: a bank card, or the financial account of a social security card (社保卡),
    with the bank and the account holder's name. Validated by ``payee.clean_account``."""

    class Kind(models.TextChoices):
        BANK_CARD = "bank_card", _("Bank card")
        SOCIAL_SECURITY_CARD = "ssc", _("Social security card")

    account_kind = models.CharField(_("account type"), max_length=10, choices=Kind.choices, blank=True)
    # Sealed at rest (SM4-GCM, a fresh nonce each time) with a keyed SM3 blind index beside it, rather
    # than sealed deterministically: the stored value says nothing even of which rows share an account,
    # an account is found by equality only (``filter(bank_account_index=field.index_of(number))``), and
    # the index is under its own key, so rotating the data key re-seals the value and leaves the index.
    bank_account = SealedTextField(_("bank account"), blank=True, index_field="bank_account_index")
    bank_account_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    bank_name = models.CharField(_("bank"), max_length=64, blank=True)
    # Left in the clear, as names are everywhere (searched by prefix): the holder must be the
    # beneficiary, a registered parent or the applicant (``_check_holder``, the application services),
    # whose names the registry and this same row keep in the clear, so sealing this copy would hide
    # nothing. What lets money be diverted, the account number, is sealed.
    account_holder = models.CharField(_("account holder"), max_length=32, blank=True)

    class Meta:
        abstract = True

    @property
    def masked_account(self) -> str:
        from .payee import mask_account

        return mask_account(self.bank_account)


class Batch(models.Model):
    """One programme, one period (the year), one area: proposal → notice → review → approval → payment."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        NOTICE = "notice", _("On public notice")
        REVIEWED = "reviewed", _("Reviewed by township")
        APPROVED = "approved", _("Approved by county")
        PAYING = "paying", _("Paying")
        CLOSED = "closed", _("Paid and closed")
        REJECTED = "rejected", _("Sent back")

    programme_id = models.CharField(_("programme"), max_length=40)
    programme_name = models.CharField(_("programme name"), max_length=64)
    version = models.CharField(_("rule version"), max_length=40)
    year = models.PositiveSmallIntegerField(_("year"))
    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PROPOSED)
    total = models.DecimalField(_("total (yuan)"), default=0, max_digits=14, decimal_places=2)
    notice_start = models.DateField(_("notice from"), null=True, blank=True)
    notice_end = models.DateField(_("notice until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.TextField(_("township review opinion"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approval_reason = models.TextField(_("county approval opinion"), blank=True)

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("benefit batch")
        verbose_name_plural = _("benefit batches")
        ordering = ["-year", "-id"]
        indexes = [models.Index(fields=["area", "status"]), models.Index(fields=["programme_id", "year"])]
        constraints = [
            # twenty "propose" clicks or retried requests at once make one batch, whatever the route
            models.UniqueConstraint(
                fields=["programme_id", "area", "year"],
                condition=Q(status__in=OPEN_BATCH_STATUSES),
                name="benefits_one_open_batch",
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme_name} {self.year} {self.area_id}"

    @property
    def period(self) -> str:
        return str(self.year)

    def audit_area_code(self) -> str:
        return self.area_id


class Line(PayeeAccount):
    """One proposed beneficiary of a batch: the amount, the rule version and the reasons it was computed."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        WITHDRAWN = "withdrawn", _("Withdrawn after objection")
        APPROVED = "approved", _("Approved")

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="lines")
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    household_id = models.IntegerField(null=True, blank=True)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=32)
    id_number = SealedCharField(_("resident ID number"), plain_max_length=18)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    reasons = models.TextField(_("reasons"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PROPOSED)

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("batch line")
        ordering = ["area_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "person"], name="benefits_line_once_per_batch")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.amount}"

    def audit_area_code(self) -> str:
        return self.area_id


class Objection(models.Model):
    """异议: raised during the public notice; an upheld objection withdraws the line."""

    line = models.ForeignKey(Line, on_delete=models.CASCADE, related_name="objections")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    raised_by = models.CharField(_("raised by"), max_length=64)
    content = models.TextField(_("objection"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    upheld = models.BooleanField(_("upheld"), null=True)
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("objection")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.line.name}: {self.content[:20]}"

    def audit_area_code(self) -> str:
        return self.area_id


class Payment(PayeeAccount):
    """One transfer to one person for one programme and period. At most one payment that is not
    failed may exist per (person, programme, period): the database refuses a second, whatever the
    route (a retried export, two approvals racing, two batches covering the same person)."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("Sent to bank")
        PAID = "paid", _("Paid")
        FAILED = "failed", pgettext_lazy("payment", "Failed")

    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="payments")
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    programme_id = models.CharField(max_length=40)
    period = models.CharField(max_length=10)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    attempt = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.ISSUED)
    failure_reason = models.CharField(_("failure reason"), max_length=128, blank=True)
    issued_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("payment")
        ordering = ["line_id", "attempt"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "programme_id", "period"],
                condition=~Q(status="failed"),
                name="benefits_one_live_payment_per_period",
            ),
            models.UniqueConstraint(fields=["line", "attempt"], name="benefits_payment_attempt_once"),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id} {self.period} {self.person_id} #{self.attempt}"

    @property
    def reference(self) -> str:
        return f"JS{self.period}{self.pk:08d}"

    def audit_area_code(self) -> str:
        return self.area_id


class Application(PayeeAccount):
    """A resident's (or a village officer's on their behalf) application, checked by the same rule.

    An online application names who applies and how they are related to the beneficiary; unless the
    registry shows the applicant is the beneficiary or a parent, it waits for the village officer to
    verify with documents (VERIFYING) and nothing is paid on it meanwhile."""

    class Status(models.TextChoices):
        ELIGIBLE = "eligible", _("Eligible")
        INELIGIBLE = "ineligible", _("Not eligible")
        VERIFYING = "verifying", _("Awaiting verification by the village officer")
        REJECTED = "rejected", _("Refused after verification")

    class Relation(models.TextChoices):
        SELF = "self", _("Self")
        MOTHER = "mother", _("Mother")
        FATHER = "father", _("Father")
        GUARDIAN = "guardian", _("Other guardian")

    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    programme_id = models.CharField(_("programme"), max_length=40)
    year = models.PositiveSmallIntegerField(_("year"))
    version = models.CharField(_("rule version"), max_length=40)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    amount = models.DecimalField(_("amount (yuan)"), default=0, max_digits=14, decimal_places=2)
    reasons = models.TextField(_("reasons"))
    applicant_name = models.CharField(_("applicant"), max_length=32, blank=True)
    applicant_id_number = SealedCharField(_("applicant's ID number"), plain_max_length=18, blank=True)
    relation = models.CharField(
        _("relation to the beneficiary"), max_length=10, choices=Relation.choices, blank=True
    )
    applicant = models.ForeignKey(
        "registry.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    applied_at = models.DateTimeField(auto_now_add=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verification_note = models.TextField(_("verification note"), blank=True)

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("benefit application")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "programme_id", "year"],
                condition=Q(status__in=OPEN_APPLICATION_STATUSES),
                name="benefits_one_open_application",
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme_id} {self.year} {self.person_id}"

    def audit_area_code(self) -> str:
        return self.area_id


class Enrolment(models.Model):
    """A continuing benefit (奖扶, 特扶, 育儿补贴): confirmed again every year, stopped with a reason."""

    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("enrolment", "Active")
        STOPPED = "stopped", _("Stopped")

    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    programme_id = models.CharField(_("programme"), max_length=40)
    since_year = models.PositiveSmallIntegerField(pgettext_lazy("year", "since"))
    confirmed_year = models.PositiveSmallIntegerField(_("last confirmed"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE)
    stop_reason = models.TextField(_("reason stopped"), blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("continuing benefit")
        ordering = ["programme_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "programme_id"], name="benefits_enrolment_once")
        ]

    def __str__(self) -> str:
        return f"{self.programme_id} {self.person_id}"

    def audit_area_code(self) -> str:
        return self.area_id


class BatchJob(JobRecord):
    """A benefit run (proposing a batch) or a payment export (the bank file's payments of an approved
    batch) done by ``jisheng worker`` as a durable job (jobs.py). One open job per run or export:
    twenty identical requests find the same job."""

    class Kind(models.TextChoices):
        PROPOSE = "propose", _("Benefit run")
        EXPORT = "export", _("Payment export")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    programme_id = models.CharField(_("programme"), max_length=40)
    year = models.PositiveSmallIntegerField(_("year"))
    batch = models.ForeignKey(Batch, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs")

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("benefit job")
        verbose_name_plural = _("benefit jobs")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "programme_id", "area", "year"],
                condition=Q(kind="propose", status__in=("queued", "running")),
                name="benefits_one_open_run",
            ),
            models.UniqueConstraint(
                fields=["kind", "batch"],
                condition=Q(kind="export", status__in=("queued", "running")),
                name="benefits_one_open_export",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.programme_id} {self.year} {self.area_id}"
