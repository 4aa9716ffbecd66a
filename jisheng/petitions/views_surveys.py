"""Staff pages of surveys, the social-stability risk assessment and conflict screening, and the figures."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability
from jisheng.areas.scoping import get_visible_or_404

from . import queries, services
from .models import Question, QuestionKind, RiskAssessment, RiskGrade, Survey
from .views_common import Request, _area, _date, _errors

KIND_WORDS = {
    "single": QuestionKind.SINGLE,
    "单选": QuestionKind.SINGLE,
    "multiple": QuestionKind.MULTIPLE,
    "多选": QuestionKind.MULTIPLE,
    "text": QuestionKind.TEXT,
    "填空": QuestionKind.TEXT,
    "问答": QuestionKind.TEXT,
}
# The kind as the page's language writes it (the parser above takes either language's words).
KIND_NAMES = {
    QuestionKind.SINGLE: pgettext_lazy("survey question kind", "single"),
    QuestionKind.MULTIPLE: pgettext_lazy("survey question kind", "multiple"),
    QuestionKind.TEXT: pgettext_lazy("survey question kind", "text"),
}


def _questions_from_text(text: str) -> list[services.NewQuestion]:
    """One question a line: “question | kind | choice; choice; …” (kind 单选, 多选 or 问答, or single,
    multiple or text; a written answer has no choices)."""
    questions = []
    for number, line in enumerate([ln for ln in text.splitlines() if ln.strip()], start=1):
        parts = [p.strip() for p in line.replace("｜", "|").split("|")]
        if len(parts) not in (2, 3) or parts[1].lower() not in KIND_WORDS:
            raise ValidationError(
                _("Line %(n)s: write “question | single, multiple or text | choice; choice; …”")
                % {"n": number}
            )
        choices = parts[2].replace("；", ";").split(";") if len(parts) == 3 else []
        questions.append(services.NewQuestion(parts[0], choices, KIND_WORDS[parts[1].lower()]))
    return questions


def _questions_as_text(survey: Survey) -> str:
    return "\n".join(
        " | ".join(
            [q.text, str(KIND_NAMES[QuestionKind(q.kind)]), *(["; ".join(q.choices)] if q.choices else [])]
        )
        for q in survey.questions.all()
    )


def _optional_date(value: str, field: str) -> datetime.date | None:
    return _date(value, field) if value.strip() else None


def _survey_values(request: Request) -> dict[str, str]:
    keys = ("title", "recipients", "sent_count", "opens_on", "closes_on", "questions")
    return {k: request.POST.get(k, "") for k in keys}


def _survey_fields(values: dict[str, str]) -> dict[str, Any]:
    try:
        sent = int(values["sent_count"].strip() or 0)
    except ValueError as exc:
        raise ValidationError(_("“Forms sent”: enter a number")) from exc
    return {
        "title": values["title"],
        "recipients": values["recipients"],
        "sent_count": sent,
        "opens_on": _optional_date(values["opens_on"], _("From")),
        "closes_on": _optional_date(values["closes_on"], _("Until")),
        "questions": _questions_from_text(values["questions"]),
    }


@permissions.capability_required(Capability.READ_PETITIONS)
def surveys(request: Request) -> HttpResponse:
    """The area's surveys, and a new one (questions typed one a line)."""
    values: dict[str, str] = {}
    if request.method == "POST":
        values = _survey_values(request)
        try:
            found = services.survey_create(
                area=_area(request.user, None), **_survey_fields(values), by=request.user
            )
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Survey created."))
            return redirect("petitions:survey", pk=found.pk)
    return render(
        request,
        "petitions/surveys.html",
        {
            "surveys": list(
                Survey.objects.visible_to(request.user).annotate(returned=Count("responses"))[:50]
            ),
            "values": values,
            "may_handle": permissions.holds(request.user, Capability.HANDLE_PETITIONS),
        },
    )


@permissions.capability_required(Capability.HANDLE_PETITIONS)
def survey_edit(request: Request, pk: int) -> HttpResponse:
    """Change a survey while no form has come back."""
    found = get_visible_or_404(Survey.objects.all(), request.user, pk=pk)
    if request.method == "POST":
        values = _survey_values(request)
        try:
            services.survey_update(survey=found, **_survey_fields(values), by=request.user)
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("petitions:survey", pk=pk)
    else:
        values = {
            "title": found.title,
            "recipients": found.recipients,
            "sent_count": str(found.sent_count),
            "opens_on": found.opens_on.isoformat() if found.opens_on else "",
            "closes_on": found.closes_on.isoformat() if found.closes_on else "",
            "questions": _questions_as_text(found),
        }
    return render(
        request,
        "petitions/survey_edit.html",
        {"survey": found, "values": values, "locked": found.responses.exists()},
    )


@require_POST
@permissions.capability_required(Capability.HANDLE_PETITIONS)
def survey_state(request: Request, pk: int) -> HttpResponse:
    """Open or close the online form."""
    found = get_visible_or_404(Survey.objects.all(), request.user, pk=pk)
    try:
        if request.POST.get("open") == "1":
            services.survey_open(survey=found, by=request.user)
        else:
            services.survey_close(survey=found, by=request.user)
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Saved."))
    return redirect("petitions:survey", pk=pk)


def answers_from(post: Any, questions: list[Question]) -> dict[int, services.surveys.Given]:
    """A form's answers as the survey service takes them (the staff page and the portal share it)."""
    answers: dict[int, services.surveys.Given] = {}
    for question in questions:
        name = f"q{question.position}"
        if question.kind == QuestionKind.TEXT:
            answers[question.position] = post.get(name, "")
        elif question.kind == QuestionKind.MULTIPLE:
            answers[question.position] = [int(v) for v in post.getlist(name) if v.isdigit()]
        elif post.get(name, "").isdigit():
            answers[question.position] = int(post.get(name))
    return answers


@permissions.capability_required(Capability.READ_PETITIONS)
def survey(request: Request, pk: int) -> HttpResponse:
    """Counts and percentages per question; a returned paper form entered; open or close, change."""
    found = get_visible_or_404(Survey.objects.all(), request.user, pk=pk)
    questions = list(found.questions.all())
    if request.method == "POST":
        try:
            services.survey_answer(
                survey=found,
                answers=answers_from(request.POST, questions),
                comment=request.POST.get("comment", ""),
                by=request.user,
            )
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Form entered."))
        return redirect("petitions:survey", pk=pk)
    returned = found.responses.count()
    return render(
        request,
        "petitions/survey.html",
        {
            "survey": found,
            "questions": questions,
            "figures": queries.survey_figures(found, questions),
            "returned": returned,
            "online_now": services.accepts_online(found),
            "may_handle": permissions.may(request.user, Capability.HANDLE_PETITIONS, found.area_id),
        },
    )


@permissions.capability_required(Capability.READ_PETITIONS)
def risk(request: Request) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        try:
            area = _area(user, None)
            if request.POST.get("step") == "screening":
                services.screening_review(
                    area=area, month=timezone.localdate(), note=request.POST.get("note", ""), by=user
                )
            else:
                services.risk_assess(
                    area=area,
                    project=request.POST.get("project", ""),
                    grade=request.POST.get("grade", ""),
                    findings=request.POST.get("findings", ""),
                    by=user,
                )
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Saved."))
        return redirect("petitions:risk")
    own_area = user.area
    return render(
        request,
        "petitions/risk.html",
        {
            "assessments": list(RiskAssessment.objects.visible_to(user).select_related("assessed_by")[:50]),
            "screening": queries.screening_list(own_area, timezone.localdate()) if own_area else [],
            "grades": RiskGrade.choices,
            "may_assess": permissions.holds(user, Capability.ASSESS_STABILITY_RISK),
        },
    )


@permissions.capability_required(Capability.READ_PETITIONS)
def figures(request: Request) -> HttpResponse:
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
        month = int(request.GET.get("month") or today.month)
        if not 1 <= month <= 12 or not 2000 <= year <= 2100:
            raise ValueError
    except ValueError:
        year, month = today.year, today.month
    return render(
        request,
        "petitions/figures.html",
        {
            "year": year,
            "month": month,
            "monthly": queries.monthly_figures(request.user, year, month),
            "yearly": queries.yearly_report(request.user, year),
        },
    )
