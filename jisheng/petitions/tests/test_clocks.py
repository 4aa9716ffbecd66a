"""The statutory clocks of the 信访工作条例: acceptance, 60 days, extension, review, re-examination, repeats."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jisheng.audit.models import AuditEvent
from jisheng.core.actor import Resident, System
from jisheng.hall import queries as hall_queries
from jisheng.petitions import services
from jisheng.petitions.models import Matter, MatterStatus

from .conftest import D, freeze, receive

SWEEP = System(job="petitions sweep")


def test_a_received_petition_is_numbered_and_its_routing_acceptance_and_objection_clocks_start(
    areas, staff, petitioner
) -> None:
    with freeze(D(2026, 9, 28)):
        matter = receive(petitioner, areas["township_a"], staff["clerk"])
    assert matter.number == "XF4117232026000001"
    assert matter.status == MatterStatus.RECEIVED and matter.responsible == staff["clerk"]
    assert matter.route_due == D(2026, 10, 13)  # Art. 22: 15 calendar days
    assert matter.accept_due == D(2026, 10, 13)  # Art. 23: 15 calendar days
    # Art. 23: 5 working days; 1–7 October 2026 are holidays, Saturday 10 October a make-up working day.
    assert matter.object_due == D(2026, 10, 10)
    assert AuditEvent.objects.filter(action="petitions.matter_receive", object_id=str(matter.pk)).exists()


def test_acceptance_starts_the_sixty_days_and_day_sixty_one_without_extension_records_accountability(
    areas, staff, petitioner
) -> None:
    with freeze(D(2026, 3, 2)):
        matter = receive(petitioner, areas["township_a"], staff["clerk"])
        matter = services.matter_accept(matter=matter, by=staff["clerk"])
    assert matter.due_on == D(2026, 5, 1)
    assert services.clock_sweep(today=D(2026, 4, 28), by=SWEEP)["warned"] == 1
    assert services.clock_sweep(today=D(2026, 5, 1), by=SWEEP)["overdue"] == 0
    result = services.clock_sweep(today=D(2026, 5, 2), by=SWEEP)
    assert result == {"warned": 0, "overdue": 1, "accountability": 1}
    [record] = hall_queries.accountability_of_subjects([matter.subject])
    assert record.responsible == staff["clerk"] and record.kind == "overdue"
    assert "第三十四条" in record.detail and record.subject_area_id == areas["township_a"].code
    # The sweep is idempotent: a second run records nothing more.
    assert services.clock_sweep(today=D(2026, 5, 3), by=SWEEP)["accountability"] == 0
    assert AuditEvent.objects.filter(action="petitions.accountability").count() == 1
    assert Matter.objects.get(pk=matter.pk).events.filter(text__contains="责任追究").count() == 1


def test_an_extension_needs_the_heads_approval_by_another_person_and_moves_the_limit(
    areas, staff, petitioner
) -> None:
    with freeze(D(2026, 3, 2)):
        matter = receive(petitioner, areas["township_a"], staff["head"])
        services.matter_accept(matter=matter, by=staff["head"])
        with pytest.raises(ValidationError):
            services.extension_request(matter=matter, days=31, reason="需要调查", by=staff["head"])
        services.extension_request(matter=matter, days=30, reason="需到外省核实婚育情况", by=staff["head"])
        with pytest.raises(PermissionDenied):
            services.extension_approve(matter=matter, by=staff["clerk"])  # not the head
        with pytest.raises(PermissionDenied, match="Four eyes|双人|不能"):
            services.extension_approve(matter=matter, by=staff["head"])  # asked for it himself
        head2 = type(staff["head"]).objects.get(pk=staff["county"].pk)
        matter = services.extension_approve(matter=matter, by=head2)
    assert matter.due_on == D(2026, 5, 31) and matter.extension_approved_by == staff["county"]
    assert matter.events.filter(text__contains="已告知信访人理由").exists()
    assert services.clock_sweep(today=D(2026, 5, 2), by=SWEEP)["overdue"] == 0


def test_not_competent_the_office_objects_with_the_reason(areas, staff, petitioner) -> None:
    matter = receive(petitioner, areas["township_a"], staff["clerk"])
    matter = services.matter_object(
        matter=matter, reason="属人社部门职权，请向县人社局反映", by=staff["clerk"]
    )
    assert matter.status == MatterStatus.NOT_COMPETENT and "人社" in matter.refusal_reason


def _replied(areas: Any, staff: Any, petitioner: Any) -> Matter:
    matter = receive(petitioner, areas["township_a"], staff["clerk"])
    services.matter_accept(matter=matter, by=staff["clerk"])
    return services.matter_reply(
        matter=matter,
        opinion="not_support",
        legal_basis="《河南省人口与计划生育条例》第三十一条",
        reply="经核实，您不符合奖励扶助条件。",
        by=staff["clerk"],
    )


def test_a_review_and_a_re_examination_are_answered_by_the_office_above_and_then_the_matter_is_final(
    areas, staff, petitioner
) -> None:
    with freeze(D(2026, 3, 2)):
        matter = _replied(areas, staff, petitioner)
    assert matter.review_request_by == D(2026, 4, 1)
    resident = Resident(reference=matter.number)
    with freeze(D(2026, 3, 20)):
        matter = services.review_request(matter=matter, reason="我符合条件", by=resident)
        assert matter.review_due == D(2026, 4, 19)
        with pytest.raises(PermissionDenied):
            services.review_answer(matter=matter, answer="维持", by=staff["head"])  # not the office above
        matter = services.review_answer(matter=matter, answer="维持原答复意见", by=staff["county"])
        assert matter.status == MatterStatus.REVIEWED
        matter = services.review_request(matter=matter, reason="仍不服", by=resident)
        matter = services.review_answer(matter=matter, answer="复核维持", by=staff["county"])
    assert matter.status == MatterStatus.CLOSED and matter.final
    with pytest.raises(ValidationError):
        services.review_request(matter=matter, reason="再次", by=resident)


def test_a_review_asked_after_thirty_days_is_refused(areas, staff, petitioner) -> None:
    with freeze(D(2026, 3, 2)):
        matter = _replied(areas, staff, petitioner)
    with freeze(D(2026, 4, 2)), pytest.raises(ValidationError, match="30"):
        services.review_request(matter=matter, reason="不服", by=Resident(reference=matter.number))


def test_a_repeated_petition_on_a_matter_under_review_is_refused_with_the_reason(
    areas, staff, petitioner
) -> None:
    with freeze(D(2026, 3, 2)):
        matter = _replied(areas, staff, petitioner)
    with freeze(D(2026, 3, 10)):
        services.review_request(matter=matter, reason="不服", by=Resident(reference=matter.number))
        # The petitioner goes to the county with the same facts.
        again = receive(petitioner, areas["county"], staff["county"], repeat_of=matter)
    assert again.status == MatterStatus.REFUSED
    reason = again.refusal_reason
    assert matter.number in reason and ("复查" in reason or "review" in reason)
    assert again.events.filter(text__startswith="不予受理").exists()
    with pytest.raises(ValidationError):
        services.matter_accept(matter=again, by=staff["county"])


def test_a_petition_accepted_and_within_its_limit_is_not_accepted_again_by_a_higher_office(
    areas, staff, petitioner
) -> None:
    with freeze(D(2026, 3, 2)):
        matter = receive(petitioner, areas["township_a"], staff["clerk"])
        services.matter_accept(matter=matter, by=staff["clerk"])
        again = receive(petitioner, areas["county"], staff["county"], repeat_of=matter)
    assert again.status == MatterStatus.REFUSED and matter.number in again.refusal_reason


def test_a_group_sends_at_most_five_representatives_and_an_anonymous_sender_only_suggestions(
    areas, staff
) -> None:
    with pytest.raises(ValidationError, match="5"):
        services.file_open(
            area=areas["township_a"],
            kind="group",
            name="王庄村计生户",
            phone="13800138001",
            representatives=["甲", "乙", "丙", "丁", "戊", "己"],
            by=staff["clerk"],
        )
    anonymous = services.file_open(area=areas["township_a"], kind="anonymous", by=staff["clerk"])
    with pytest.raises(ValidationError):
        receive(anonymous, areas["township_a"], staff["clerk"])
    suggestion = receive(anonymous, areas["township_a"], staff["clerk"], kind="suggestion")
    assert suggestion.status == MatterStatus.RECEIVED


def test_staff_of_another_township_cannot_handle_the_matter(areas, staff, petitioner) -> None:
    matter = receive(petitioner, areas["township_a"], staff["clerk"])
    with pytest.raises(PermissionDenied):
        services.matter_accept(matter=matter, by=staff["other"])


def test_a_late_acceptance_is_recorded_against_the_responsible_person(areas, staff, petitioner) -> None:
    with freeze(D(2026, 3, 2)):
        matter = receive(petitioner, areas["township_a"], staff["clerk"])
    services.clock_sweep(today=D(2026, 3, 18), by=SWEEP)
    [record] = hall_queries.accountability_of_subjects([matter.subject])
    assert record.kind == "late_acceptance"
    assert datetime.date(2026, 3, 17) == matter.accept_due


def test_a_transfer_is_on_the_record_and_only_to_staff_of_the_office(areas, staff, petitioner) -> None:
    matter = receive(petitioner, areas["township_a"], staff["clerk"])
    matter = services.matter_transfer(matter=matter, to=staff["clerk2"], reason="A角休假", by=staff["head"])
    assert matter.responsible == staff["clerk2"]
    assert matter.events.filter(text__contains="转交").exists()
    with pytest.raises(ValidationError):
        services.matter_transfer(matter=matter, to=staff["other"], reason="错转", by=staff["head"])


def test_the_sweep_command_runs_the_clocks_and_the_ledger_and_is_on_the_schedulers_list(
    areas, staff, petitioner
) -> None:
    import io

    from django.core.management import call_command

    from jisheng.core.management.commands.scheduler import schedule

    with freeze(D(2026, 3, 2)):
        receive(petitioner, areas["township_a"], staff["clerk"])
    out = io.StringIO()
    with freeze(D(2026, 3, 20)):
        call_command("petitions-sweep", stdout=out)
    assert "追责 / accountability: 1" in out.getvalue()
    assert ("petitions-sweep", 60) in schedule()
