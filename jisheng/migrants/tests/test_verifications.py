"""Verification requests (协查): due dates in working days by priority, the receiving side's queue,
answers, and overdue requests escalated with accountability records as the hall's cases are."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from jisheng.audit.models import AuditEvent
from jisheng.core.actor import System
from jisheng.hall import queries as hall_queries
from jisheng.migrants import queries, services
from jisheng.migrants.models import Direction, Priority, VerificationRequest
from jisheng.workdays import services as workdays

pytestmark = pytest.mark.django_db
INBOX = System(job="exchange inbox")


def _received(woman: Any, *, due_on: datetime.date, priority: str = "normal") -> VerificationRequest:
    return services.verification_receive(
        reference="XC-441900-TEST-1",
        peer_area_code="441900",
        id_number=woman.id_number,
        name=woman.name,
        question="请核实其婚育状况",
        priority=priority,
        sent_on=timezone.localdate(),
        due_on=due_on,
        by=INBOX,
    )


def test_a_request_for_a_pregnant_woman_is_urgent_and_due_in_fifteen_working_days(
    staff: dict[str, Any], woman: Any, areas: dict[str, Any]
) -> None:
    urgent = services.verification_send(
        area=areas["township_a"],
        peer_area_code="441900",
        id_number=woman.id_number,
        name=woman.name,
        question="是否已办理生育登记",
        pregnant=True,
        by=staff["clerk"],
    )
    today = timezone.localdate()
    assert urgent.priority == Priority.URGENT
    assert urgent.due_on == workdays.add_working_days(today, 15)
    normal = services.verification_send(
        area=areas["township_a"],
        peer_area_code="441900",
        id_number=woman.id_number,
        name=woman.name,
        question="婚姻状况",
        by=staff["clerk"],
    )
    assert normal.due_on == workdays.add_working_days(today, 30)
    assert services.send_by(today) == workdays.add_working_days(today, 7)


def test_a_received_request_lands_in_the_home_townships_queue_and_is_answered(
    staff: dict[str, Any], woman: Any, areas: dict[str, Any]
) -> None:
    request = _received(woman, due_on=workdays.add_working_days(timezone.localdate(), 15))
    assert request.area == areas["village_a"]
    assert list(queries.verification_queue(staff["clerk"])) == [request]
    assert list(queries.verification_queue(staff["clerk_b"])) == []
    answered = services.verification_answer(
        verification=request, answer="已婚，一孩，上环", by=staff["clerk"]
    )
    assert answered.on_time is True
    assert answered.answered_by == staff["clerk"]
    with pytest.raises(ValidationError):
        services.verification_answer(verification=request, answer="again", by=staff["clerk"])


def test_an_overdue_request_is_escalated_once_with_an_accountability_record_against_its_owner(
    staff: dict[str, Any], woman: Any
) -> None:
    request = _received(woman, due_on=timezone.localdate() - datetime.timedelta(days=1))
    services.verification_take(verification=request, by=staff["clerk"])
    first = services.verification_sweep(by=System(job="deadline sweep"))
    assert (first["overdue"], first["accountability"]) == (1, 1)
    again = services.verification_sweep(by=System(job="deadline sweep"))
    assert (again["overdue"], again["accountability"]) == (0, 0)
    record = hall_queries.accountability_of_subjects([services.accountability_subject(request)]).get()
    assert record.responsible == staff["clerk"]
    assert "XC-441900-TEST-1" in record.detail
    request.refresh_from_db()
    assert request.escalated_on == timezone.localdate()
    assert AuditEvent.objects.filter(action="migrants.accountability", area_code="411723101201").count() == 1
    page = queries.home_counts(staff["clerk"])
    assert page["verifications_overdue"] == 1


def test_an_answer_from_the_other_side_closes_the_sent_request(
    staff: dict[str, Any], woman: Any, areas: dict[str, Any]
) -> None:
    sent = services.verification_send(
        area=areas["township_a"],
        peer_area_code="441900",
        id_number=woman.id_number,
        name=woman.name,
        question="核实",
        by=staff["clerk"],
    )
    services.verification_answer_receive(
        reference=sent.reference, answer="属实", answered_on=timezone.localdate(), by=INBOX
    )
    sent.refresh_from_db()
    assert sent.status == "answered" and sent.direction == Direction.OUT and sent.on_time
    with pytest.raises(ValueError):
        services.verification_answer_receive(
            reference="XC-nothing", answer="?", answered_on=timezone.localdate(), by=INBOX
        )
