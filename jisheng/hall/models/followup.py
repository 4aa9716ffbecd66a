"""After the decision: accountability records, service ratings (好差评) and counter consultations."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jisheng.areas.scoping import ScopedManager

from .cases import Application
from .catalogue import QaEntry


class AccountabilityKind(models.TextChoices):
    OVERDUE = "overdue", _("Deadline missed")
    REFUSAL_OVERTURNED = "refusal_overturned", _("Refusal overturned on review")
    LATE_ACCEPTANCE = "late_acceptance", _("Acceptance notice missed")


class Accountability(models.Model):
    """责任追究: a record against the person who answered for a case when a rule was broken."""

    # A hall case; or, through ``services.rules.accountability_record_many`` (the hook a higher app such
    # as petitions uses), another app's record named by ``subject`` in ``subject_area``.
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.PROTECT, related_name="accountability"
    )
    subject = models.CharField(
        pgettext_lazy("accountability", "subject"), max_length=64, blank=True, default=""
    )
    subject_area = models.ForeignKey(
        "areas.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("responsible"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=AccountabilityKind.choices)
    detail = models.CharField(_("detail"), max_length=300)
    created_at = models.DateTimeField(_("created at"))

    scope_area_path = "application__area"
    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["application", "kind"], name="hall_accountability_once_per_kind"),
            models.UniqueConstraint(
                fields=["subject", "kind"],
                condition=~models.Q(subject=""),
                name="hall_accountability_subject_once_per_kind",
            ),
        ]
        verbose_name = _("accountability record")
        verbose_name_plural = _("accountability records")

    def __str__(self) -> str:
        subject = self.application.number if self.application is not None else self.subject
        return f"{subject} {self.get_kind_display()}"

    def audit_area_code(self) -> str:
        return self.application.area_id if self.application is not None else (self.subject_area_id or "")


class RatingLevel(models.IntegerChoices):
    """The five levels of the national 好差评 scheme; the two lowest are bad ratings (差评)."""

    VERY_SATISFIED = 5, _("Very satisfied")
    SATISFIED = 4, _("Satisfied")
    FAIRLY_SATISFIED = 3, _("Fairly satisfied")
    DISSATISFIED = 2, _("Dissatisfied")
    VERY_DISSATISFIED = 1, _("Very dissatisfied")


class Rating(models.Model):
    """好差评: one per case (a counter visit or an online case); a bad one is followed up within 15
    working days, its reply recorded, and the resident may appeal the reply once."""

    # One-to-one: the database itself refuses a second rating of the same visit or online case.
    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="rating")
    channel = models.CharField(_("channel"), max_length=12, blank=True)
    level = models.PositiveSmallIntegerField(_("rating"), choices=RatingLevel.choices)
    comment = models.CharField(_("comment"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("rated at"))
    follow_up_due = models.DateField(pgettext_lazy("accountability", "follow-up due"), null=True, blank=True)
    reply = models.TextField(_("reply"), blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    appeal = models.CharField(_("appeal"), max_length=300, blank=True)
    appealed_at = models.DateTimeField(_("appealed at"), null=True, blank=True)
    appeal_due = models.DateField(_("appeal answer due"), null=True, blank=True)
    appeal_reply = models.TextField(_("answer to the appeal"), blank=True)
    appeal_replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    appeal_replied_at = models.DateTimeField(_("appeal answered at"), null=True, blank=True)

    scope_area_path = "application__area"
    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=5), name="hall_rating_level_one_to_five"
            )
        ]
        verbose_name = _("service rating")
        verbose_name_plural = _("service ratings")

    def __str__(self) -> str:
        return f"{self.application.number} {self.get_level_display()}"

    @property
    def is_bad(self) -> bool:
        return self.level <= RatingLevel.DISSATISFIED

    @property
    def replied_late(self) -> bool:
        """Answered after the 15 working days the scheme allows (shown on the follow-up list)."""
        if self.replied_at is None or self.follow_up_due is None:
            return False
        return timezone.localdate(self.replied_at) > self.follow_up_due

    @property
    def may_appeal(self) -> bool:
        return bool(self.reply) and self.appealed_at is None

    def audit_area_code(self) -> str:
        return self.application.area_id


class Consultation(models.Model):
    office = models.ForeignKey("areas.Area", verbose_name=_("office"), on_delete=models.PROTECT)
    asker = models.CharField(_("who asked"), max_length=64)
    question = models.CharField(_("question"), max_length=300)
    answer = models.TextField(_("answer"))
    entry = models.ForeignKey(
        QaEntry, verbose_name=_("policy question"), null=True, blank=True, on_delete=models.SET_NULL
    )
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    scope_area_path = "office"
    objects = ScopedManager()

    class Meta:
        ordering = ["-at"]
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")

    def __str__(self) -> str:
        return self.question

    def audit_area_code(self) -> str:
        return self.office_id
