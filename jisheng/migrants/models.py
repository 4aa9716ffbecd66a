"""The floating population (流动人口计划生育工作条例, 国务院令第555号).

Every row carries the local area it belongs to (the home village of a person away, the village a person
arrived in, the office answering a verification request), so scoping is one range on that key. Persons
are the registry's: a departure or arrival points at the registry's record, never copies it.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jisheng.areas.scoping import ScopedManager
from jisheng.core.crypto.fields import SealedCharField, SealedJSONField, SealedTextField

# Art. 8: the 婚育证明 is handed in within 30 days of arrival; Art. 23: who has none is given 3 months.
CERTIFICATE_HAND_IN_DAYS = 30
CERTIFICATE_NOTICE_MONTHS = 3


class Reason(models.TextChoices):
    WORK = "work", _("Work")
    BUSINESS = "business", _("Business")
    STUDY = "study", _("Study")
    FAMILY = "family", _("Joining family")
    OTHER = "other", pgettext_lazy("reason", "Other")


class NotApplicable(models.TextChoices):
    """The contraceptive measure of 四个一 for someone it does not concern."""

    NOT_APPLICABLE = "000", _("Not applicable (unmarried, or not of childbearing age)")


def measure_label(code: str) -> str:
    """A contraceptive measure's name (WIS code, or not applicable) as people read it."""
    from jisheng.registry.codes import ContraceptiveMethod

    labels = {**dict(ContraceptiveMethod.choices), **dict(NotApplicable.choices)}
    return str(labels.get(code, code)) if code else ""


class MaritalCertificate(models.Model):
    """流动人口婚育证明: issued by the home township through the certificates app (numbered PDF, QR),
    carrying the Art. 7 fields as they stood on issue; a newer one supersedes it."""

    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    certificate = models.OneToOneField(
        "certificates.Certificate",
        verbose_name=pgettext_lazy("migrant certificate", "certificate"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    number = models.CharField(
        pgettext_lazy("migrant certificate", "certificate number"), max_length=40, unique=True
    )
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"))
    fields = models.JSONField(_("details"), default=dict)
    superseded_by = models.ForeignKey(
        "self",
        verbose_name=_("superseded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    superseded_on = models.DateField(_("superseded on"), null=True, blank=True)

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        ordering = ["-issued_on", "-pk"]
        verbose_name = _("migrant marital and fertility certificate")
        verbose_name_plural = _("migrant marital and fertility certificates")
        indexes = [models.Index(fields=["person", "superseded_on"])]

    def __str__(self) -> str:
        return self.number

    def audit_area_code(self) -> str:
        return self.area_id

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.superseded_on is None and self.issued_on <= day <= self.valid_until


class Departure(models.Model):
    """流出: a person of a village of this deployment who lives and works elsewhere, with the 四个一."""

    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("home village"), on_delete=models.PROTECT, related_name="+"
    )
    destination_code = models.CharField(_("destination area code"), max_length=12)
    destination_province = models.CharField(max_length=2)  # for counting by province
    destination_name = models.CharField(pgettext_lazy("migrant", "destination"), max_length=100, blank=True)
    address = models.CharField(_("address there"), max_length=128, blank=True)
    employer = models.CharField(_("employer"), max_length=100, blank=True)
    phone = SealedCharField(_("phone there"), plain_max_length=20, blank=True)
    left_on = models.DateField(_("left on"))
    reason = models.CharField(
        pgettext_lazy("migrant", "reason"), max_length=12, choices=Reason.choices, default=Reason.WORK
    )
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    # 四个一
    certificate = models.ForeignKey(
        MaritalCertificate,
        verbose_name=_("marital and fertility certificate"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    contact_phone = SealedCharField(_("contact phone left at home"), plain_max_length=20, blank=True)
    contraception = models.CharField(_("contraceptive measure"), max_length=3, blank=True)
    agreement_signed_on = models.DateField(_("agreement signed on"), null=True, blank=True)
    arrival_confirmed_on = models.DateField(_("arrival confirmed by the destination"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        ordering = ["-left_on", "-pk"]
        verbose_name = _("person away")
        verbose_name_plural = _("persons away")
        indexes = [
            models.Index(fields=["area", "returned_on"]),
            models.Index(fields=["person", "returned_on"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(returned_on__isnull=True),
                name="migrants_one_open_departure_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.destination_code} {self.left_on}"

    def audit_area_code(self) -> str:
        return self.area_id

    @property
    def contraception_label(self) -> str:
        return measure_label(self.contraception)

    @property
    def checklist(self) -> list[tuple[str, str, bool]]:
        """四个一: (code, label, done) in the order the officer goes through them."""
        return [
            (
                "certificate",
                str(_("Marital and fertility certificate before leaving")),
                self.certificate_id is not None,
            ),
            ("contact_phone", str(_("Contact phone left at home")), bool(self.contact_phone)),
            ("contraception", str(_("Contraceptive measure")), bool(self.contraception)),
            ("agreement", str(_("Signed agreement")), self.agreement_signed_on is not None),
        ]

    @property
    def missing(self) -> list[str]:
        return [label for _code, label, done in self.checklist if not done]

    @property
    def complete(self) -> bool:
        return not self.missing

    def months_away(self, today: datetime.date) -> int:
        end = self.returned_on or today
        return max(0, (end.year - self.left_on.year) * 12 + end.month - self.left_on.month)


class Arrival(models.Model):
    """流入: a person from elsewhere who came to live in a village of this deployment."""

    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    origin_code = models.CharField(_("area code of origin"), max_length=12, blank=True)
    origin_name = models.CharField(pgettext_lazy("migrant", "coming from"), max_length=100, blank=True)
    arrived_on = models.DateField(_("arrived on"))
    address = models.CharField(_("address here"), max_length=128, blank=True)
    employer = models.CharField(_("employer"), max_length=100, blank=True)
    contraception = models.CharField(_("contraceptive measure"), max_length=3, blank=True)
    pregnant = models.BooleanField(_("pregnant"), default=False)
    certificate_number = models.CharField(
        pgettext_lazy("migrant certificate", "certificate number"), max_length=40, blank=True
    )
    certificate_checked_on = models.DateField(_("certificate checked on"), null=True, blank=True)
    certificate_valid = models.BooleanField(_("certificate valid"), null=True, blank=True)
    certificate_check = models.CharField(_("result of the check"), max_length=200, blank=True)
    notice_given_on = models.DateField(_("notice to obtain the certificate given on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        ordering = ["-arrived_on", "-pk"]
        verbose_name = _("person arrived")
        verbose_name_plural = _("persons arrived")
        indexes = [models.Index(fields=["area", "left_on"]), models.Index(fields=["arrived_on"])]

    def __str__(self) -> str:
        return f"{self.person_id} ← {self.origin_code} {self.arrived_on}"

    def audit_area_code(self) -> str:
        return self.area_id

    @property
    def contraception_label(self) -> str:
        return measure_label(self.contraception)

    @property
    def certificate_due_on(self) -> datetime.date:
        """Art. 8: 30 days from arrival."""
        return self.arrived_on + datetime.timedelta(days=CERTIFICATE_HAND_IN_DAYS)

    @property
    def notice_deadline(self) -> datetime.date | None:
        """Art. 23: three months from the notice to obtain the missing certificate."""
        if self.notice_given_on is None:
            return None
        day = self.notice_given_on
        month = day.month - 1 + CERTIFICATE_NOTICE_MONTHS
        year, month = day.year + month // 12, month % 12 + 1
        for last in (day.day, 30, 29, 28):
            try:
                return datetime.date(year, month, min(day.day, last))
            except ValueError:
                continue
        return None  # pragma: no cover


class PeerCertificate(models.Model):
    """A 婚育证明 issued by another deployment, as its signed departure notice described it: what the QR
    code of the certificate is checked against at arrival (the issuer's signing key came in the notice)."""

    number = models.CharField(
        pgettext_lazy("migrant certificate", "certificate number"), max_length=40, unique=True
    )
    issuer_area_code = models.CharField(_("issuing office"), max_length=12)
    holder_id_number = SealedCharField(_("resident ID number"), plain_max_length=18)
    holder_name = models.CharField(_("holder"), max_length=32)
    valid_until = models.DateField(_("valid until"))
    fields = SealedJSONField(_("details"), default=dict)
    key_id = models.CharField(max_length=16)
    public_key = models.CharField(max_length=120)
    payload = SealedTextField()  # the QR code's signed claims, compared whole
    superseded = models.BooleanField(default=False)
    received_at = models.DateTimeField()

    class Meta:
        verbose_name = _("certificate of another deployment")

    def __str__(self) -> str:
        return self.number


class Direction(models.TextChoices):
    OUT = "out", _("Sent")
    IN = "in", _("Received")


class Priority(models.TextChoices):
    URGENT = "urgent", _("Urgent (pregnant woman)")
    NORMAL = "normal", _("Normal")


class VerificationStatus(models.TextChoices):
    OPEN = "open", _("Waiting for the answer")
    ANSWERED = "answered", _("Answered")


class VerificationRequest(models.Model):
    """协查: one deployment asks another to confirm a person's facts. Both sides keep a row: the sender's
    (``out``) and the receiver's (``in``), tied by ``reference``. Due in the sender's working days."""

    reference = models.CharField(_("reference"), max_length=40)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("responsible office"), on_delete=models.PROTECT, related_name="+"
    )
    peer_area_code = models.CharField(_("the other side"), max_length=12)
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    person_name = models.CharField(pgettext_lazy("person", "name"), max_length=32)
    person_id_number = SealedCharField(_("resident ID number"), plain_max_length=18)
    question = models.CharField(_("what is to be verified"), max_length=300)
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    sent_on = models.DateField(_("sent on"))
    due_on = models.DateField(_("answer due on"))
    status = models.CharField(
        _("status"), max_length=10, choices=VerificationStatus.choices, default=VerificationStatus.OPEN
    )
    answer = models.TextField(pgettext_lazy("verification", "answer"), blank=True)
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    escalated_on = models.DateField(_("escalated on"), null=True, blank=True)
    # The sender's clocks (Art. 16): sent within 7 working days of the need arising, and the outcome
    # notified within 15 working days of the answer.
    need_arose_on = models.DateField(_("need arose on"), null=True, blank=True)
    send_by = models.DateField(_("to be sent by"), null=True, blank=True)
    outcome_due_on = models.DateField(_("outcome to be notified by"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=300, blank=True)
    outcome_notified_on = models.DateField(_("outcome notified on"), null=True, blank=True)
    outcome_escalated_on = models.DateField(_("outcome escalated on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("verification request")
        verbose_name_plural = _("verification requests")
        indexes = [
            models.Index(fields=["area", "status", "due_on"]),
            models.Index(fields=["status", "due_on"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["reference", "direction"], name="migrants_verification_once_per_side"
            )
        ]

    def __str__(self) -> str:
        return self.reference

    def audit_area_code(self) -> str:
        return self.area_id

    @property
    def on_time(self) -> bool | None:
        if self.answered_on is None:
            return None
        return self.answered_on <= self.due_on


class NoticeKind(models.TextChoices):
    ARRIVAL = "arrival", _("Arrival")
    DEPARTURE = "departure", _("Departure")
    BIRTH = "birth", pgettext_lazy("notice", "Birth")
    CONTRACEPTION = "contraception", _("Contraception")
    RETURN = "return", _("Return home")


class Notice(models.Model):
    """通报: a notice sent to or received from another deployment (needs only a receipt)."""

    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=NoticeKind.choices)
    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    peer_area_code = models.CharField(_("the other side"), max_length=12)
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    person_name = models.CharField(pgettext_lazy("person", "name"), max_length=32)
    person_id_number = SealedCharField(_("resident ID number"), plain_max_length=18)
    # A birth notice's child ID number, sealed (read, never searched). The stored body keeps neither it
    # nor the person's number (``services.notices._body_kept``).
    child_id_number = SealedTextField(_("child's ID number"), blank=True)
    body = SealedJSONField(default=dict)
    on = models.DateField(_("date"))
    message_id = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        ordering = ["-on", "-pk"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        indexes = [models.Index(fields=["area", "on"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.person_name}"

    def audit_area_code(self) -> str:
        return self.area_id


class EducationSession(models.Model):
    """Health education of a migrant newly-wed (seed 002): one session attended, per person."""

    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField(_("held on"))
    topic = models.CharField(_("topic"), max_length=100)
    place = models.CharField(_("place"), max_length=100, blank=True)
    educator = models.CharField(_("educator"), max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("health education session")
        verbose_name_plural = _("health education sessions")

    def __str__(self) -> str:
        return f"{self.person_id} {self.topic} {self.held_on}"

    def audit_area_code(self) -> str:
        return self.area_id


class MoveImport(models.Model):
    """An .xlsx (or .csv) of departures or arrivals a township clerk uploaded: read and written in a
    background job, all of it or, when any row is refused, nothing."""

    class Kind(models.TextChoices):
        DEPARTURES = "departures", _("departures (people away)")
        ARRIVALS = "arrivals", _("arrivals (people arrived)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting")
        RUNNING = "running", _("running")
        DONE = "done", _("written")
        REFUSED = "refused", _("refused: nothing written")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    file_name = models.CharField(_("file"), max_length=255)
    stored_path = models.CharField(max_length=500, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(default=0)
    written_rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    message = models.CharField(max_length=255, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import of moves")
        verbose_name_plural = _("imports of moves")

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name}"

    def audit_area_code(self) -> str:
        return self.area_id
