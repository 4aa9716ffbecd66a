"""A survey made on the staff page (questions of one choice, several choices and written answers, who it
went to, its period), changed while no form has come back, filled online by a resident and on paper by a
clerk, counted per question with percentages, closed and opened again; audited and kept to its area."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from jisheng.audit.models import AuditEvent
from jisheng.petitions import queries
from jisheng.petitions.models import QuestionKind, Survey

QUESTIONS = "\n".join(
    [
        "您对计生服务是否满意 | 单选 | 满意; 基本满意; 不满意",
        "您最希望改进哪些方面 | 多选 | 办事效率；服务态度；政策宣传",
        "其他意见建议 | 问答",
    ]
)


def _form(**extra: str) -> dict[str, str]:
    today = timezone.localdate()
    return {
        "title": "计生服务满意度调查",
        "recipients": "新河村全体育龄户",
        "sent_count": "320",
        "opens_on": (today - datetime.timedelta(days=1)).isoformat(),
        "closes_on": (today + datetime.timedelta(days=30)).isoformat(),
        "questions": QUESTIONS,
        **extra,
    }


def test_a_clerk_makes_a_survey_that_residents_fill_online_and_the_page_counts_it(
    areas, staff, client_for, client
) -> None:
    clerk = client_for(staff["clerk"])
    refused = clerk.post(reverse("petitions:surveys"), _form(questions="您满意吗 | 单选 | 满意"))
    assert "第 1 题" in refused.content.decode() and "两个选项" in refused.content.decode()
    assert not Survey.objects.exists()
    bad_line = clerk.post(reverse("petitions:surveys"), _form(questions="只有一栏"))
    assert "第 1 行" in bad_line.content.decode()
    response = clerk.post(reverse("petitions:surveys"), _form(title="初稿"))
    survey = Survey.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "petitions:survey", args=[survey.pk]
    )
    assert [q.kind for q in survey.questions.all()] == [
        QuestionKind.SINGLE,
        QuestionKind.MULTIPLE,
        QuestionKind.TEXT,
    ]
    assert survey.questions.get(position=2).choices == ["办事效率", "服务态度", "政策宣传"]
    # Changed while no form has come back: the title and the questions.
    edit = clerk.get(reverse("petitions:survey_edit", args=[survey.pk])).content.decode()
    assert "您最希望改进哪些方面 | 多选 | 办事效率; 服务态度; 政策宣传" in edit
    clerk.post(reverse("petitions:survey_edit", args=[survey.pk]), _form())
    survey.refresh_from_db()
    assert survey.title == "计生服务满意度调查" and survey.sent_count == 320
    # A resident fills it online: one choice, two ticks, a written answer.
    online = reverse("petitions:portal_survey", args=[survey.public_key])
    page = client.get(online).content.decode()
    assert 'type="checkbox" name="q2"' in page and 'textarea name="q3"' in page
    client.post(online, {"q1": "0", "q2": ["0", "2"], "q3": "希望上门服务", "comment": ""})
    client.post(online, {"q1": "1", "q2": ["0"], "q3": ""})
    assert client.post(online, {"q2": ["0"]}).status_code == 200  # question 1 unanswered: refused
    # A clerk enters a returned paper form.
    clerk.post(reverse("petitions:survey", args=[survey.pk]), {"q1": "0", "q2": ["1"], "q3": "窗口太少"})
    assert survey.responses.count() == 3 and survey.responses.filter(online=True).count() == 2
    figures = {q["position"]: q for q in queries.survey_figures(survey)}
    assert [c["count"] for c in figures[1]["choices"]] == [2, 1, 0]
    assert [c["percent"] for c in figures[1]["choices"]] == [66.7, 33.3, 0.0]
    assert [c["count"] for c in figures[2]["choices"]] == [2, 1, 1] and figures[2]["total"] == 3
    assert figures[3]["total"] == 2 and set(figures[3]["texts"]) == {"希望上门服务", "窗口太少"}
    shown = clerk.get(reverse("petitions:survey", args=[survey.pk])).content.decode()
    assert '<strong id="returned">3</strong>' in shown and "66.7%" in shown and "希望上门服务" in shown
    # Forms have come back: the survey keeps its questions.
    clerk.post(reverse("petitions:survey_edit", args=[survey.pk]), _form(title="改标题"))
    survey.refresh_from_db()
    assert survey.title == "计生服务满意度调查"
    # Closed: the online form says so and takes nothing; opened again, it does.
    clerk.post(reverse("petitions:survey_state", args=[survey.pk]), {"open": "0"})
    assert client.get(online).status_code == 404
    clerk.post(reverse("petitions:survey_state", args=[survey.pk]), {"open": "1"})
    client.post(online, {"q1": "2", "q2": ["2"]})
    assert survey.responses.count() == 4
    actions = set(
        AuditEvent.objects.filter(action__startswith="petitions.survey").values_list("action", flat=True)
    )
    assert actions == {
        "petitions.survey_create",
        "petitions.survey_update",
        "petitions.survey_answer",
        "petitions.survey_close",
        "petitions.survey_open",
    }
    # Staff of the sibling township see none of it.
    other = client_for(staff["other"])
    for name in ("petitions:survey", "petitions:survey_edit"):
        assert other.get(reverse(name, args=[survey.pk])).status_code == 404
    assert other.post(reverse("petitions:survey_state", args=[survey.pk]), {"open": "0"}).status_code == 404


def test_outside_its_period_the_online_form_takes_no_answers_but_a_paper_form_is_still_entered(
    areas, staff, client_for, client
) -> None:
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    clerk = client_for(staff["clerk"])
    clerk.post(reverse("petitions:surveys"), _form(opens_on="2026-01-01", closes_on=yesterday))
    survey = Survey.objects.get()
    online = reverse("petitions:portal_survey", args=[survey.public_key])
    assert "该问卷已关闭。" in client.get(online).content.decode()
    client.post(online, {"q1": "0", "q2": ["0"]})
    assert not survey.responses.exists()
    clerk.post(reverse("petitions:survey", args=[survey.pk]), {"q1": "0", "q2": ["0"]})
    assert survey.responses.get().online is False
