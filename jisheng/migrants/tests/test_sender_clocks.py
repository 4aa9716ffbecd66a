"""The sender's clocks of a verification request (Art. 16): sent within 7 working days of the need
arising, the outcome notified within 15 working days of the answer; shown in the sender's list, and a
missed one escalated with an accountability record through the hall's mechanism. An overdue received
request nobody took on is recorded against the receiving township's lead."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from jisheng.core.actor import System
from jisheng.hall import queries as hall_queries
from jisheng.migrants import services
from jisheng.migrants.models import VerificationRequest
from jisheng.workdays import services as workdays

pytestmark = pytest.mark.django_db
INBOX = System(job="exchange inbox")
SWEEP = System(job="deadline sweep")


def sent(staff: dict[str, Any], woman: Any, areas: dict[str, Any], **extra: Any) -> VerificationRequest:
    return services.verification_send(
        area=areas["township_a"],
        peer_area_code="441900",
        id_number=woman.id_number,
        name=woman.name,
        question="核实婚育情况",
        by=staff["clerk"],
        **extra,
    )


def accountability(request: VerificationRequest, clock: str) -> Any:
    return hall_queries.accountability_of_subjects([services.accountability_subject(request, clock)])


def test_a_request_sent_within_seven_working_days_carries_its_send_by_date_and_no_record(
    staff: dict[str, Any], woman: Any, areas: dict[str, Any]
) -> None:
    today = timezone.localdate()
    request = sent(staff, woman, areas)
    assert (request.need_arose_on, request.send_by) == (today, workdays.add_working_days(today, 7))
    assert not accountability(request, "send").exists()


def test_a_request_sent_too_late_is_recorded_against_the_sender_at_once(
    staff: dict[str, Any], woman: Any, areas: dict[str, Any]
) -> None:
    arose = timezone.localdate() - datetime.timedelta(days=30)
    request = sent(staff, woman, areas, need_arose_on=arose)
    assert request.send_by == workdays.add_working_days(arose, 7)
    record = accountability(request, "send").get()
    assert record.responsible == staff["clerk"] and "7 个工作日" in record.detail
    with pytest.raises(ValidationError):
        sent(staff, woman, areas, need_arose_on=timezone.localdate() + datetime.timedelta(days=1))


def test_an_outcome_not_notified_in_fifteen_working_days_is_escalated_and_recorded_once(
    staff: dict[str, Any], woman: Any, areas: dict[str, Any], client_for: Any
) -> None:
    request = sent(staff, woman, areas)
    services.verification_answer_receive(
        reference=request.reference, answer="属实", answered_on=timezone.localdate(), by=INBOX
    )
    request.refresh_from_db()
    assert request.outcome_due_on == workdays.add_working_days(timezone.localdate(), 15)
    later = request.outcome_due_on + datetime.timedelta(days=1)
    first = services.verification_sweep(by=SWEEP, today=later)
    assert (first["late_outcomes"], first["accountability"]) == (1, 1)
    assert services.verification_sweep(by=SWEEP, today=later)["late_outcomes"] == 0
    assert accountability(request, "outcome").get().responsible == staff["clerk"]
    # The sender's list shows both clocks.
    page = client_for(staff["clerk"]).get("/migrants/verifications/?direction=out&all=1")
    text = page.content.decode()
    assert f"{request.send_by:%Y-%m-%d}" in text and f"{request.outcome_due_on:%Y-%m-%d}" in text


def test_the_sender_notifies_the_outcome_on_the_requests_page(
    staff: dict[str, Any], woman: Any, areas: dict[str, Any], client_for: Any
) -> None:
    request = sent(staff, woman, areas)
    services.verification_answer_receive(
        reference=request.reference, answer="属实", answered_on=timezone.localdate(), by=INBOX
    )
    client = client_for(staff["clerk"])
    url = f"/migrants/verifications/{request.pk}/"
    assert 'id="outcome"' in client.get(url).content.decode()
    answer = client.post(url, {"step": "outcome", "outcome": "已核实 档案已更正"})
    assert answer.status_code == 302
    request.refresh_from_db()
    assert request.outcome == "已核实 档案已更正" and request.outcome_notified_on == timezone.localdate()
    assert request.outcome_due_on is not None
    assert (
        services.verification_sweep(by=SWEEP, today=request.outcome_due_on + datetime.timedelta(days=1))[
            "late_outcomes"
        ]
        == 0
    )
    assert 'id="outcome"' not in client.get(url).content.decode()


def test_an_overdue_request_nobody_took_on_is_recorded_against_the_township_lead(
    staff: dict[str, Any], woman: Any, make_user: Any, areas: dict[str, Any]
) -> None:
    head = make_user(areas["township_a"], "township_head", username="head")
    make_user(areas["township_b"], "township_head", username="head_b")
    request = services.verification_receive(
        reference="XC-441900-TEST-9",
        peer_area_code="441900",
        id_number=woman.id_number,
        name=woman.name,
        question="请核实",
        priority="normal",
        sent_on=timezone.localdate(),
        due_on=timezone.localdate() - datetime.timedelta(days=1),
        by=INBOX,
    )
    result = services.verification_sweep(by=SWEEP)
    assert (result["overdue"], result["accountability"]) == (1, 1)
    record = accountability(request, "").get()
    assert record.responsible == head
