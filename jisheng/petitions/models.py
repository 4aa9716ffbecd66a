"""Petitions (信访), suggestions and complaints on one file per person (一人一档), one discussion per
matter (一事一议), one answerable person per duty (一责一问); the rectification ledger (整改台账), walk-around
research, surveys and the social-stability risk assessment (社会稳定风险评估).

The clocks of the 信访工作条例 (in force 2022-05-01) are stored as dates on the matter when the step that starts
them is taken, so lists and the sweep compare a column with today (an index, never a count of days per row):
route by ``route_due`` (Art. 22, 15 days), written acceptance by ``accept_due`` (Art. 23, 15 days; an office
that is not competent objects by ``object_due``, 5 working days), finish by ``due_on`` (Art. 34, 60 days from
acceptance, plus an approved extension of at most 30), review asked by ``review_request_by`` and answered by
``review_due`` (Art. 35, 30 + 30), re-examination the same (Art. 36).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jisheng.areas.scoping import ScopedManager
from jisheng.core.crypto.fields import SealedCharField


class Channel(models.TextChoices):
    """信访工作条例 Art. 17."""

    ONLINE = "online", pgettext_lazy("channel", "Online")
    LETTER = "letter", _("Letter")
    PHONE = "phone", _("Phone")
    FAX = "fax", _("Fax")
    VISIT = "visit", _("Visit in person")


class MatterField(models.TextChoices):
    """The sensitive fields of family-planning petitions (seed 004)."""

    CONTRACEPTIVE_COMPLICATIONS = "complications", _("Contraceptive complications")
    BENEFIT_POLICY = "benefits", _("Benefit policy")
    SANJIEHE = "sanjiehe", _("Development support")
    BIRTH_PERMISSION = "birth_permission", _("Birth permission")
    OTHER = "other", _("Other")


class MatterKind(models.TextChoices):
    PETITION = "petition", _("Petition")
    SUGGESTION = "suggestion", _("Suggestion")
    COMPLAINT = "complaint", _("Complaint")


class RiskGrade(models.TextChoices):
    """社会稳定风险评估: high — most people object, a mass incident is likely; medium — some object, a
    conflict is possible; low — most understand and support it. High or medium stops a project."""

    HIGH = "high", _("High risk")
    MEDIUM = "medium", _("Medium risk")
    LOW = "low", _("Low risk")


class PetitionerKind(models.TextChoices):
    PERSON = "person", _("Named person")
    ANONYMOUS = "anonymous", _("Anonymous")
    GROUP = "group", _("Group (with representatives)")


MAX_REPRESENTATIVES = 5  # Art. 20


class PetitionerFile(models.Model):
    """一人一档: everything a person (or a group, or an anonymous source) brought, on one file."""

    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("petitioner"), max_length=12, choices=PetitionerKind.choices)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=64, blank=True)
    # Sealed with SM4 deterministically: the look-ups by name and phone and by number + phone still work.
    phone = SealedCharField(_("phone"), plain_max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_constraint=False,
    )
    representatives = models.JSONField(_("representatives"), default=list, blank=True)
    group_size = models.PositiveIntegerField(_("people in the group"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["area", "phone"]), models.Index(fields=["person"])]
        verbose_name = _("petitioner file")
        verbose_name_plural = _("petitioner files")

    def __str__(self) -> str:
        if self.kind == PetitionerKind.ANONYMOUS:
            return str(_("Anonymous"))
        return self.name

    def audit_area_code(self) -> str:
        return self.area_id


class MatterStatus(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("petition", "Received")
    ACCEPTED = "accepted", _("Accepted")
    NOT_COMPETENT = "not_competent", _("Not competent (objected)")
    REFUSED = "refused", _("Not accepted")
    REPLIED = "replied", _("Replied")
    REVIEW_REQUESTED = "review_requested", _("Review requested")
    REVIEWED = "reviewed", _("Review answered")
    REEXAM_REQUESTED = "reexam_requested", _("Re-examination requested")
    CLOSED = "closed", _("Closed")


# Waiting on the office: the sweep and the responsible person's list look at these.
OPEN_STATUSES = (
    MatterStatus.RECEIVED,
    MatterStatus.ACCEPTED,
    MatterStatus.REVIEW_REQUESTED,
    MatterStatus.REEXAM_REQUESTED,
)


class Opinion(models.TextChoices):
    SUPPORT = "support", _("Support")
    EXPLAIN = "explain", _("Explain")
    NOT_SUPPORT = "not_support", _("Not support")


class Matter(models.Model):
    """One matter (一事一议): a petition, a suggestion or a complaint, with its clocks."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    file = models.ForeignKey(PetitionerFile, on_delete=models.PROTECT, related_name="matters")
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("responsible office"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=MatterKind.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    field = models.CharField(_("field"), max_length=20, choices=MatterField.choices)
    title = models.CharField(_("title"), max_length=120)
    facts = models.TextField(_("facts and request"))
    status = models.CharField(_("status"), max_length=20, choices=MatterStatus.choices)
    risk = models.CharField(_("risk grade"), max_length=8, choices=RiskGrade.choices, default=RiskGrade.LOW)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_on = models.DateField(_("received on"))
    route_due = models.DateField(_("route by"))
    accept_due = models.DateField(_("acceptance notice due"))
    object_due = models.DateField(_("objection due"))
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(_("finish by"), null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField(_("extension (days)"), default=0)
    extension_reason = models.CharField(_("reason for the extension"), max_length=300, blank=True)
    extension_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    extension_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opinion = models.CharField(_("opinion"), max_length=12, choices=Opinion.choices, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    reply = models.TextField(_("written reply"), blank=True)
    replied_on = models.DateField(_("replied on"), null=True, blank=True)
    review_request_by = models.DateField(_("review may be asked until"), null=True, blank=True)
    review_requested_on = models.DateField(_("review requested on"), null=True, blank=True)
    review_reason = models.CharField(_("reason for the review"), max_length=300, blank=True)
    review_due = models.DateField(_("review answer due"), null=True, blank=True)
    review_answer = models.TextField(_("review answer"), blank=True)
    reviewed_on = models.DateField(_("review answered on"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reexam_request_by = models.DateField(_("re-examination may be asked until"), null=True, blank=True)
    reexam_requested_on = models.DateField(_("re-examination requested on"), null=True, blank=True)
    reexam_due = models.DateField(_("re-examination answer due"), null=True, blank=True)
    reexam_answer = models.TextField(_("re-examination answer"), blank=True)
    reexamined_on = models.DateField(_("re-examined on"), null=True, blank=True)
    final = models.BooleanField(_("final"), default=False)
    refusal_reason = models.CharField(_("reason not accepted"), max_length=300, blank=True)
    repeat_of = models.ForeignKey(
        "self", verbose_name=_("same facts as"), null=True, blank=True, on_delete=models.PROTECT
    )
    satisfaction = models.CharField(_("satisfaction"), max_length=16, blank=True)
    # Given with the number to whoever filed on the portal: number + code (or + phone) opens the matter.
    access_code = models.CharField(max_length=8, blank=True)
    warned_on = models.DateField(_("warned on"), null=True, blank=True)
    overdue_recorded = models.BooleanField(default=False)
    created_at = models.DateTimeField(_("created at"))

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        ordering = ["-received_on", "-id"]
        indexes = [
            models.Index(fields=["responsible", "status", "due_on"]),
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["status", "accept_due"]),
            models.Index(fields=["area", "received_on"]),
            # The area's list, newest first: walked in order, its filters answered from the index.
            models.Index(fields=["received_on", "id", "area", "status"], name="petitions_matter_list"),
            # The responsible person's open matters, nearest limit first, filtered and counted from the index
            # alone (not partial: SQLite cannot use one when the statuses are bound parameters, as Django's are).
            models.Index(
                fields=[
                    "responsible",
                    "due_on",
                    "accept_due",
                    "id",
                    "area",
                    "status",
                    "review_due",
                    "reexam_due",
                ],
                name="petitions_matter_mine",
            ),
        ]
        verbose_name = _("matter")
        verbose_name_plural = _("matters")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def audit_area_code(self) -> str:
        return self.area_id

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def scope_url_values(self) -> list[dict[str, str]]:
        # The portal's pages name a matter by its number; the scoping test tries it there too.
        return [{"number": self.number}]

    @property
    def subject(self) -> str:
        """How the hall's accountability records name this matter."""
        return f"信访 {self.number}"

    def current_due(self) -> datetime.date | None:
        """The limit running now, whichever step it is."""
        return {
            MatterStatus.RECEIVED: self.accept_due,
            MatterStatus.ACCEPTED: self.due_on,
            MatterStatus.REVIEW_REQUESTED: self.review_due,
            MatterStatus.REEXAM_REQUESTED: self.reexam_due,
        }.get(MatterStatus(self.status))


class MatterEvent(models.Model):
    """The matter's history, in words (transfers, notices, visits, replies, reviews)."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    text = models.CharField(max_length=300)
    actor = models.CharField(max_length=150, blank=True)

    scope_area_path = "matter__area"
    objects = ScopedManager()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.text


class Meeting(models.Model):
    """A meeting or visit held on a matter (干部下访): who went, when, what was said."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="meetings")
    held_on = models.DateField(_("held on"))
    place = models.CharField(_("place"), max_length=120, blank=True)
    attendees = models.CharField(_("who went"), max_length=200)
    said = models.TextField(_("what was said"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    scope_area_path = "matter__area"
    objects = ScopedManager()

    class Meta:
        ordering = ["held_on", "id"]
        verbose_name = _("meeting or visit")
        verbose_name_plural = _("meetings and visits")

    def __str__(self) -> str:
        return f"{self.matter.number} {self.held_on}"

    def audit_area_code(self) -> str:
        return self.matter.area_id


class Attachment(models.Model):
    """A photo of a visit, or evidence a resident sent with a matter."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="attachments")
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=80)
    data = models.BinaryField()
    size = models.PositiveIntegerField()
    at = models.DateTimeField()

    scope_area_path = "matter__area"
    objects = ScopedManager()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.name

    def scope_url_values(self) -> list[dict[str, str]]:
        return [{"pk": str(self.matter_id), "attachment_pk": str(self.pk)}]


# --- the rectification ledger (整改台账) and walk-around research


class LedgerSource(models.TextChoices):
    SUGGESTION = "suggestion", _("Suggestion")
    PETITION = "petition", _("Petition")
    BAD_RATING = "bad_rating", _("Bad rating")
    OUTREACH_VISIT = "outreach_visit", _("Outreach visit")
    SURVEY = "survey", _("Survey")
    WALK_AROUND = "walk_around", _("Walk-around research")


class LedgerStatus(models.TextChoices):
    OPEN = "open", _("Being rectified")
    CLOSED = "closed", _("Closed")


class Outing(models.Model):
    """徒步调研: a walk-around research outing — who walked where, what was heard."""

    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField(_("held on"))
    title = models.CharField(_("title"), max_length=120)
    groups = models.PositiveSmallIntegerField(pgettext_lazy("survey", "groups"), default=1)
    walkers = models.CharField(_("who walked"), max_length=300)
    route = models.CharField(_("where"), max_length=300)
    heard = models.TextField(_("what was heard"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("walk-around outing")
        verbose_name_plural = _("walk-around outings")

    def __str__(self) -> str:
        return f"{self.held_on} {self.title}"

    def audit_area_code(self) -> str:
        return self.area_id


class LedgerItem(models.Model):
    """整改台账: one problem to put right, with an answerable person and office and a deadline."""

    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(pgettext_lazy("rectification", "item"), max_length=300)
    source = models.CharField(
        pgettext_lazy("rectification", "source"), max_length=16, choices=LedgerSource.choices
    )
    source_ref = models.CharField(_("source reference"), max_length=64, blank=True)
    matter = models.ForeignKey(Matter, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    outing = models.ForeignKey(Outing, null=True, blank=True, on_delete=models.PROTECT, related_name="items")
    file = models.ForeignKey(
        PetitionerFile, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_items"
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    office = models.CharField(_("responsible office"), max_length=64)
    deadline = models.DateField(pgettext_lazy("rectification", "deadline"))
    status = models.CharField(
        _("status"), max_length=8, choices=LedgerStatus.choices, default=LedgerStatus.OPEN
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    satisfaction = models.CharField(_("satisfaction"), max_length=16, blank=True)
    escalated_on = models.DateField(_("escalated on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        ordering = ["deadline", "id"]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["responsible", "status"]),
        ]
        verbose_name = _("ledger item")
        verbose_name_plural = _("ledger items")

    def __str__(self) -> str:
        return self.title

    def audit_area_code(self) -> str:
        return self.area_id


class LedgerNote(models.Model):
    item = models.ForeignKey(LedgerItem, on_delete=models.CASCADE, related_name="notes")
    at = models.DateTimeField()
    text = models.CharField(max_length=500)
    evidence = models.CharField(_("evidence"), max_length=300, blank=True)
    actor = models.CharField(max_length=150, blank=True)

    scope_area_path = "item__area"
    objects = ScopedManager()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.text


# --- surveys


class Survey(models.Model):
    """An opinion survey (征求意见表): questions with choices, sent to so many people, filled online in its
    period while open; returned paper forms are entered by staff."""

    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=120)
    recipients = models.CharField(_("sent to"), max_length=200)
    sent_count = models.PositiveIntegerField(_("forms sent"), default=0)
    open = models.BooleanField(_("open online"), default=True)
    opens_on = models.DateField(_("from"), null=True, blank=True)
    closes_on = models.DateField(_("until"), null=True, blank=True)
    # The online form's address: a random key, so a survey is found by its link, never by counting.
    public_key = models.CharField(max_length=16, unique=True, null=True, blank=True)
    created_at = models.DateTimeField()

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self) -> str:
        return self.title

    def audit_area_code(self) -> str:
        return self.area_id


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("One choice")
    MULTIPLE = "multiple", _("Several choices")
    TEXT = "text", _("Written answer")


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=300)
    kind = models.CharField(max_length=8, choices=QuestionKind.choices, default=QuestionKind.SINGLE)
    choices = models.JSONField(default=list)

    scope_area_path = "survey__area"
    objects = ScopedManager()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "position"], name="petitions_question_position")
        ]

    def __str__(self) -> str:
        return self.text


class SurveyResponse(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    file = models.ForeignKey(
        PetitionerFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="survey_responses"
    )
    online = models.BooleanField(default=False)
    comment = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField()

    scope_area_path = "survey__area"
    objects = ScopedManager()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.survey_id} {self.at:%Y-%m-%d}"


class Answer(models.Model):
    """One choice ticked on a form (a question of several choices has a row per ticked choice), or a
    written answer (``choice`` empty)."""

    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    choice = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question", "choice"], name="petitions_answer_each_choice_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.choice}"


# --- social-stability risk assessment and conflict screening


class RiskAssessment(models.Model):
    """社会稳定风险评估 of a planned policy or project: high or medium stops it."""

    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    project = models.CharField(_("policy or project"), max_length=200)
    grade = models.CharField(_("risk grade"), max_length=8, choices=RiskGrade.choices)
    findings = models.TextField(_("findings"))
    assessed_on = models.DateField(_("assessed on"))
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        ordering = ["-assessed_on", "-id"]
        verbose_name = _("risk assessment")
        verbose_name_plural = _("risk assessments")

    def __str__(self) -> str:
        return f"{self.project} {self.get_grade_display()}"

    def audit_area_code(self) -> str:
        return self.area_id

    @property
    def may_proceed(self) -> bool:
        return self.grade == RiskGrade.LOW


class ScreeningReview(models.Model):
    """矛盾纠纷排查: the township's monthly conflict-screening list, reviewed and signed off."""

    area = models.ForeignKey(
        "areas.Area", verbose_name=_("township"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("month"))
    matters = models.JSONField(default=list)
    note = models.CharField(_("note"), max_length=500, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField()

    scope_area_path = "area"
    objects = ScopedManager()

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["area", "month"], name="petitions_screening_once_a_month")
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.month:%Y-%m}"

    def audit_area_code(self) -> str:
        return self.area_id
