"""Surveys (征求意见表), the social-stability risk assessment and the monthly conflict screening."""

from __future__ import annotations

import datetime
import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.models import acting_user
from jisheng.accounts.permissions import Capability
from jisheng.areas.models import Area
from jisheng.audit.services import model_snapshot, record
from jisheng.core.actor import Actor, Resident

from ..models import (
    Answer,
    PetitionerFile,
    Question,
    RiskAssessment,
    RiskGrade,
    ScreeningReview,
    Survey,
    SurveyResponse,
)
from ..queries import screening_list


def _field_error(field: str, reason: str) -> ValidationError:
    return ValidationError(_("“%(field)s”: %(reason)s") % {"field": field, "reason": reason})


@transaction.atomic
def survey_create(
    *,
    area: Area,
    title: str,
    recipients: str,
    sent_count: int,
    questions: list[tuple[str, list[str]]],
    by: Actor,
) -> Survey:
    """A survey with its questions (each with two or more choices), sent to ``sent_count`` people."""
    permissions.ensure(by, Capability.HANDLE_PETITIONS, area.code)
    if not title.strip():
        raise _field_error(str(_("Title")), str(_("name the survey")))
    if not questions:
        raise _field_error(str(_("Questions")), str(_("add at least one question")))
    for number, (text, choices) in enumerate(questions, start=1):
        label = str(_("Question %(n)s") % {"n": number})
        if not text.strip():
            raise _field_error(label, str(_("write the question")))
        if len([c for c in choices if c.strip()]) < 2:
            raise _field_error(label, str(_("give at least two choices")))
    survey = Survey.objects.create(
        area=area,
        title=title.strip()[:120],
        recipients=recipients.strip()[:200],
        sent_count=max(0, sent_count),
        public_key=secrets.token_urlsafe(9),
        created_at=timezone.now(),
    )
    Question.objects.bulk_create(
        Question(
            survey=survey,
            position=n,
            text=text.strip()[:300],
            choices=[c.strip() for c in choices if c.strip()],
        )
        for n, (text, choices) in enumerate(questions, start=1)
    )
    record(by=by, action="petitions.survey_create", obj=survey, after=model_snapshot(survey))
    return survey


@transaction.atomic
def survey_answer(
    *,
    survey: Survey,
    answers: dict[int, int],
    comment: str = "",
    file: PetitionerFile | None = None,
    by: Actor,
) -> SurveyResponse:
    """A returned form: entered by staff from paper, or filled online by a resident (``Resident``).
    ``answers`` maps a question's position to the chosen choice's index (0-based); every question is
    answered."""
    online = isinstance(by, Resident)
    if online:
        if not survey.open:
            raise ValidationError(_("This survey is closed."))
    else:
        permissions.ensure(by, Capability.HANDLE_PETITIONS, survey.area_id)
    questions = list(survey.questions.all())
    rows = []
    for question in questions:
        label = str(_("Question %(n)s") % {"n": question.position})
        choice = answers.get(question.position)
        if choice is None:
            raise _field_error(label, str(_("choose an answer")))
        if not 0 <= choice < len(question.choices):
            raise _field_error(label, str(_("no such choice")))
        rows.append((question, choice))
    response = SurveyResponse.objects.create(
        survey=survey, file=file, online=online, comment=comment.strip()[:500], at=timezone.now()
    )
    Answer.objects.bulk_create(Answer(response=response, question=q, choice=c) for q, c in rows)
    record(
        by=by,
        action="petitions.survey_answer",
        obj=response,
        object_repr=survey.title,
        area_code=survey.area_id,
        after={"answers": {str(q.position): c for q, c in rows}, "online": online},
    )
    return response


@transaction.atomic
def risk_assess(
    *, area: Area, project: str, grade: str, findings: str, by: Actor, on: datetime.date | None = None
) -> RiskAssessment:
    """社会稳定风险评估 of a planned policy or project. High or medium stops it (``may_proceed`` False)."""
    permissions.ensure(by, Capability.ASSESS_STABILITY_RISK, area.code)
    if grade not in RiskGrade.values:
        raise _field_error(str(_("Risk grade")), str(_("choose high, medium or low")))
    if not project.strip():
        raise _field_error(str(_("Policy or project")), str(_("name the policy or project")))
    if not findings.strip():
        raise _field_error(str(_("Findings")), str(_("describe what the assessment found")))
    assessment = RiskAssessment.objects.create(
        area=area,
        project=project.strip()[:200],
        grade=grade,
        findings=findings.strip(),
        assessed_on=on or timezone.localdate(),
        assessed_by=acting_user(by),
    )
    record(by=by, action="petitions.risk_assess", obj=assessment, after=model_snapshot(assessment))
    return assessment


@transaction.atomic
def screening_review(*, area: Area, month: datetime.date, note: str = "", by: Actor) -> ScreeningReview:
    """The township head reviews the month's conflict-screening list (once a month)."""
    permissions.ensure(by, Capability.ASSESS_STABILITY_RISK, area.code)
    month = month.replace(day=1)
    matters = screening_list(area, month)
    try:
        with transaction.atomic():
            review = ScreeningReview.objects.create(
                area=area,
                month=month,
                matters=[m.number for m in matters],
                note=note.strip()[:500],
                reviewed_by=acting_user(by),
                reviewed_at=timezone.now(),
            )
    except IntegrityError as exc:
        raise ValidationError(_("This month's list has already been reviewed.")) from exc
    record(by=by, action="petitions.screening_review", obj=review, after=model_snapshot(review))
    return review
