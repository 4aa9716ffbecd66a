"""The acceptance notice and the written reply as Chinese PDFs; surveys with counts and percentages;
risk grading and the monthly conflict-screening list."""

from __future__ import annotations

import subprocess

import pytest
from django.core.exceptions import ValidationError

from jisheng.core.actor import Resident
from jisheng.petitions import pdfs, queries, services

from .conftest import D, freeze, receive


def _text(data: bytes) -> str:
    text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout
    return "".join(text.decode().split())


def test_the_acceptance_notice_and_the_reply_are_chinese_pdfs_naming_the_limits(
    areas, staff, petitioner
) -> None:
    with freeze(D(2026, 3, 2)):
        matter = receive(petitioner, areas["township_a"], staff["clerk"])
        matter = services.matter_accept(matter=matter, by=staff["clerk"])
        text = _text(pdfs.acceptance_pdf(matter))
        assert "信访事项受理告知书" in text and matter.number in text and "2026年5月1日" in text
        assert "王秀英" in text
        matter = services.matter_reply(
            matter=matter,
            opinion="support",
            legal_basis="",
            reply="已补发2025年度奖励扶助金。",
            by=staff["clerk"],
        )
    text = _text(pdfs.reply_pdf(matter))
    assert "信访事项处理意见书" in text and "予以支持" in text and "已补发2025年度奖励扶助金" in text
    assert "30日内" in text


def test_a_survey_counts_paper_and_online_forms_with_percentages(areas, staff) -> None:
    survey = services.survey_create(
        area=areas["county"],
        title="人口计生工作征求意见表",
        recipients="各乡镇服务对象",
        sent_count=320,
        questions=[
            ("您对计生服务是否满意？", ["满意", "基本满意", "不满意"]),
            ("是否知道奖扶政策？", ["知道", "不知道"]),
        ],
        by=staff["county"],
    )
    services.survey_answer(survey=survey, answers={1: 0, 2: 0}, by=staff["county"])
    services.survey_answer(survey=survey, answers={1: 0, 2: 1}, by=staff["county"])
    services.survey_answer(survey=survey, answers={1: 2, 2: 1}, by=Resident(reference="survey"))
    with pytest.raises(ValidationError, match="2"):
        services.survey_answer(survey=survey, answers={1: 0}, by=staff["county"])
    figures = queries.survey_figures(survey)
    assert figures[0]["total"] == 3
    assert [(c["count"], c["percent"]) for c in figures[0]["choices"]] == [(2, 66.7), (0, 0.0), (1, 33.3)]
    assert survey.responses.filter(online=True).count() == 1


def test_high_or_medium_risk_stops_a_project_and_the_screening_list_holds_the_risky_open_matters(
    areas, staff, petitioner
) -> None:
    low = services.risk_assess(
        area=areas["township_a"],
        project="村卫生室改建",
        grade="low",
        findings="群众普遍支持",
        by=staff["head"],
    )
    high = services.risk_assess(
        area=areas["township_a"],
        project="调整奖扶发放方式",
        grade="high",
        findings="多数群众反对",
        by=staff["head"],
    )
    assert low.may_proceed and not high.may_proceed
    with freeze(D(2026, 3, 2)):
        risky = receive(petitioner, areas["township_a"], staff["clerk"], risk="medium")
        receive(petitioner, areas["township_a"], staff["clerk"], title="咨询政策", risk="low")
    assert [m.number for m in queries.screening_list(areas["township_a"], D(2026, 3, 1))] == [risky.number]
    review = services.screening_review(area=areas["township_a"], month=D(2026, 3, 15), by=staff["head"])
    assert review.matters == [risky.number]
    with pytest.raises(ValidationError):
        services.screening_review(area=areas["township_a"], month=D(2026, 3, 1), by=staff["head"])


def test_a_resident_fills_a_survey_online_and_it_counts(areas, staff) -> None:
    from django.test import Client
    from django.urls import reverse

    survey = services.survey_create(
        area=areas["county"],
        title="满意度调查",
        recipients="群众",
        sent_count=10,
        questions=[("是否满意？", ["满意", "不满意"])],
        by=staff["county"],
    )
    client = Client()
    assert (
        client.post(reverse("petitions:portal_survey", args=[survey.public_key]), {"q1": "1"}).status_code
        == 302
    )
    assert client.post(reverse("petitions:portal_survey", args=[survey.public_key]), {}).status_code == 200
    assert survey.responses.get().online
    assert client.get(reverse("petitions:portal_survey", args=[str(survey.pk)])).status_code == 404
    assert queries.survey_figures(survey)[0]["choices"][1]["count"] == 1
