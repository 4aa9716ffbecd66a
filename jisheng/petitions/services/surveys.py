"""Surveys (征求意见表: created, changed while no form has come back, opened and closed, answered on paper or
online), the social-stability risk assessment and the monthly conflict screening."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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
    QuestionKind,
    RiskAssessment,
    RiskGrade,
    ScreeningReview,
    Survey,
    SurveyResponse,
)
from ..queries import screening_list


def _field_error(field: str, reason: str) -> ValidationError:
    return ValidationError(_("“%(field)s”: %(reason)s") % {"field": field, "reason": reason})


@dataclass(frozen=True)
class NewQuestion:
    """A question of a survey: its text, its kind (one choice, several, or a written answer) and, for the
    first two, at least two choices."""

    text: str
    choices: list[str]
    kind: str = QuestionKind.SINGLE


QuestionSpec = NewQuestion | tuple[str, list[str]]


def _checked_questions(questions: Sequence[QuestionSpec]) -> list[NewQuestion]:
    if not questions:
        raise _field_error(str(_("Questions")), str(_("add at least one question")))
    checked = []
    for number, spec in enumerate(questions, start=1):
        question = spec if isinstance(spec, NewQuestion) else NewQuestion(spec[0], list(spec[1]))
        label = str(_("Question %(n)s") % {"n": number})
        if not question.text.strip():
            raise _field_error(label, str(_("write the question")))
        if question.kind not in QuestionKind.values:
            raise _field_error(label, str(_("choose one choice, several choices or a written answer")))
        choices = [c.strip()[:100] for c in question.choices if c.strip()]
        if question.kind == QuestionKind.TEXT:
            choices = []
        elif len(choices) < 2:
            raise _field_error(label, str(_("give at least two choices")))
        elif len(set(choices)) != len(choices):
            raise _field_error(label, str(_("a choice is given twice")))
        checked.append(NewQuestion(question.text.strip()[:300], choices, question.kind))
    return checked


def _checked_period(opens_on: datetime.date | None, closes_on: datetime.date | None) -> None:
    if opens_on and closes_on and closes_on < opens_on:
        raise _field_error(str(_("Until")), str(_("must not be before the first day")))


def _snapshot(survey: Survey) -> dict[str, Any]:
    return {
        **model_snapshot(survey, ["title", "recipients", "sent_count", "open", "opens_on", "closes_on"]),
        "questions": [{"text": q.text, "kind": q.kind, "choices": q.choices} for q in survey.questions.all()],
    }


def _write_questions(survey: Survey, questions: list[NewQuestion]) -> None:
    Question.objects.bulk_create(
        Question(survey=survey, position=n, text=q.text, kind=q.kind, choices=q.choices)
        for n, q in enumerate(questions, start=1)
    )


@transaction.atomic
def survey_create(
    *,
    area: Area,
    title: str,
    recipients: str,
    sent_count: int,
    questions: Sequence[QuestionSpec],
    opens_on: datetime.date | None = None,
    closes_on: datetime.date | None = None,
    by: Actor,
) -> Survey:
    """A survey with its questions (each of one choice, several choices or a written answer), sent to
    ``sent_count`` people, filled online from ``opens_on`` until ``closes_on`` (either may be open-ended).
    A ``(text, choices)`` pair is a question of one choice. May be nested."""
    permissions.ensure(by, Capability.HANDLE_PETITIONS, area.code)
    if not title.strip():
        raise _field_error(str(_("Title")), str(_("name the survey")))
    checked = _checked_questions(questions)
    _checked_period(opens_on, closes_on)
    survey = Survey.objects.create(
        area=area,
        title=title.strip()[:120],
        recipients=recipients.strip()[:200],
        sent_count=max(0, sent_count),
        opens_on=opens_on,
        closes_on=closes_on,
        public_key=secrets.token_urlsafe(9),
        created_at=timezone.now(),
    )
    _write_questions(survey, checked)
    record(by=by, action="petitions.survey_create", obj=survey, after=_snapshot(survey))
    return survey


@transaction.atomic
def survey_update(
    *,
    survey: Survey,
    title: str,
    recipients: str,
    sent_count: int,
    questions: Sequence[QuestionSpec],
    opens_on: datetime.date | None = None,
    closes_on: datetime.date | None = None,
    by: Actor,
) -> Survey:
    """Change a survey while no form has come back (its questions are then replaced); a survey with
    returned forms keeps its questions, so that every form counts against the same ones. May be nested."""
    permissions.ensure(by, Capability.HANDLE_PETITIONS, survey.area_id)
    locked = Survey.objects.select_for_update().get(pk=survey.pk)
    if locked.responses.exists():
        raise ValidationError(_("Forms have come back: the survey can no longer be changed."))
    if not title.strip():
        raise _field_error(str(_("Title")), str(_("name the survey")))
    checked = _checked_questions(questions)
    _checked_period(opens_on, closes_on)
    before = _snapshot(locked)
    locked.title = title.strip()[:120]
    locked.recipients = recipients.strip()[:200]
    locked.sent_count = max(0, sent_count)
    locked.opens_on, locked.closes_on = opens_on, closes_on
    locked.save(update_fields=["title", "recipients", "sent_count", "opens_on", "closes_on"])
    locked.questions.all().delete()
    _write_questions(locked, checked)
    record(by=by, action="petitions.survey_update", obj=locked, before=before, after=_snapshot(locked))
    return locked


def _set_open(survey: Survey, value: bool, by: Actor, action: str) -> Survey:
    permissions.ensure(by, Capability.HANDLE_PETITIONS, survey.area_id)
    locked = Survey.objects.select_for_update().get(pk=survey.pk)
    if locked.open == value:
        raise ValidationError(
            _("The survey is already open.") if value else _("The survey is already closed.")
        )
    locked.open = value
    locked.save(update_fields=["open"])
    record(by=by, action=action, obj=locked, before={"open": not value}, after={"open": value})
    return locked


@transaction.atomic
def survey_open(*, survey: Survey, by: Actor) -> Survey:
    """Open the online form again (within its period residents may fill it). May be nested."""
    return _set_open(survey, True, by, "petitions.survey_open")


@transaction.atomic
def survey_close(*, survey: Survey, by: Actor) -> Survey:
    """Close the online form; staff may still enter paper forms that come back late. May be nested."""
    return _set_open(survey, False, by, "petitions.survey_close")


def accepts_online(survey: Survey, today: datetime.date | None = None) -> bool:
    """Open, and within its period."""
    today = today or timezone.localdate()
    return (
        survey.open
        and (survey.opens_on is None or survey.opens_on <= today)
        and (survey.closes_on is None or today <= survey.closes_on)
    )


Given = int | list[int] | str | None


def _answer_rows(question: Question, given: Given) -> list[tuple[int | None, str]]:
    """(choice, text) rows of one question's answer, or a refusal naming the question."""
    label = str(_("Question %(n)s") % {"n": question.position})
    if question.kind == QuestionKind.TEXT:
        text = given.strip()[:500] if isinstance(given, str) else ""
        return [(None, text)] if text else []
    picked = (
        given if isinstance(given, list) else ([] if given is None or isinstance(given, str) else [given])
    )
    if not picked:
        raise _field_error(label, str(_("choose an answer")))
    if question.kind == QuestionKind.SINGLE and len(picked) > 1:
        raise _field_error(label, str(_("choose one answer only")))
    if any(not 0 <= choice < len(question.choices) for choice in picked):
        raise _field_error(label, str(_("no such choice")))
    return [(choice, "") for choice in sorted(set(picked))]


@transaction.atomic
def survey_answer(
    *,
    survey: Survey,
    answers: Mapping[int, Given],
    comment: str = "",
    file: PetitionerFile | None = None,
    by: Actor,
) -> SurveyResponse:
    """A returned form: entered by staff from paper (at any time), or filled online by a resident
    (``Resident``) while the survey is open and within its period. ``answers`` maps a question's position
    to the chosen choice's index (0-based), a list of indexes for a question of several choices, or the
    text of a written answer; every question with choices is answered, a written answer may be left
    blank. May be nested."""
    online = isinstance(by, Resident)
    if online:
        if not accepts_online(survey):
            raise ValidationError(_("This survey is closed."))
    else:
        permissions.ensure(by, Capability.HANDLE_PETITIONS, survey.area_id)
    rows = []
    for question in survey.questions.all():
        rows += [
            (question, choice, text)
            for choice, text in _answer_rows(question, answers.get(question.position))
        ]
    response = SurveyResponse.objects.create(
        survey=survey, file=file, online=online, comment=comment.strip()[:500], at=timezone.now()
    )
    Answer.objects.bulk_create(Answer(response=response, question=q, choice=c, text=x) for q, c, x in rows)
    given: dict[str, Any] = {}
    for question, choice, text in rows:
        if question.kind == QuestionKind.MULTIPLE:
            given.setdefault(str(question.position), []).append(choice)
        else:
            given[str(question.position)] = choice if choice is not None else text
    record(
        by=by,
        action="petitions.survey_answer",
        obj=response,
        object_repr=survey.title,
        area_code=survey.area_id,
        after={"answers": given, "online": online},
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
