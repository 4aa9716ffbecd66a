import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jisheng.audit.models import AuditEvent
from jisheng.outreach import queries, services
from jisheng.outreach.models import Handoff, Visit

from . import factories

TODAY = datetime.date.today()


@pytest.fixture
def officer(areas, make_user):
    return make_user(areas["village_a"], "village_officer", full_name="李干部")


def _visit(by, household, **overrides):
    fields = {
        "by": by,
        "household": household,
        "visited_on": TODAY,
        "met": "户主王大",
        "asked": "",
        "promised": "",
        "follow_up_due": None,
    }
    return services.visit_record(**{**fields, **overrides})


def test_a_visit_is_recorded_with_who_went_and_audited(areas, officer):
    household = factories.household(areas["village_a"])
    visit = _visit(officer, household)
    assert visit.visitors == "李干部" and visit.area_id == areas["village_a"].code
    assert AuditEvent.objects.filter(action="outreach.visit_record", object_id=str(visit.pk)).exists()
    assert not Handoff.objects.exists()


def test_a_retried_visit_with_the_same_client_id_is_recorded_once(areas, officer):
    household = factories.household(areas["village_a"])
    first = _visit(officer, household, client_id="phone-1-abc", asked="修路")
    again = _visit(officer, household, client_id="phone-1-abc", asked="修路")
    assert first.pk == again.pk
    assert Visit.objects.count() == 1 and Handoff.objects.count() == 1


def test_a_client_id_reused_for_another_household_is_refused(areas, officer):
    _visit(officer, factories.household(areas["village_a"]), client_id="dup")
    with pytest.raises(ValidationError) as refused:
        _visit(officer, factories.household(areas["village_a"]), client_id="dup")
    assert "client_id" in refused.value.message_dict


def test_what_was_asked_or_promised_waits_for_an_office_until_taken(areas, officer, make_user):
    household = factories.household(areas["village_a"])
    visit = _visit(officer, household, asked="低保申请", promised="下周带表格来", follow_up_due=TODAY)
    [handoff] = queries.handoffs(prefix=areas["township_a"].prefix)
    assert handoff.visit == visit and "低保申请" in handoff.summary and handoff.due == TODAY
    assert list(queries.handoffs(prefix=areas["township_b"].prefix)) == []
    clerk = make_user(areas["township_a"], "counter_clerk")
    taken = services.handoff_take(by=clerk, handoff=handoff, reference="ZG2026-0001")
    assert taken.status == Handoff.Status.HANDED_OFF
    # The petitions app retrying the same take is harmless; another reference is refused.
    assert services.handoff_take(by=clerk, handoff=handoff, reference="ZG2026-0001").pk == handoff.pk
    with pytest.raises(ValidationError):
        services.handoff_take(by=clerk, handoff=handoff, reference="ZG2026-0002")
    assert list(queries.handoffs()) == []


def test_a_visit_settled_in_the_village_needs_no_office(areas, officer):
    visit = _visit(officer, factories.household(areas["village_a"]), asked="问政策", needs_office=False)
    assert not Handoff.objects.filter(visit=visit).exists()


def test_an_officer_cannot_record_a_visit_in_another_township(areas, officer):
    with pytest.raises(PermissionDenied):
        _visit(officer, factories.household(areas["village_b"]))


def test_a_visit_in_the_future_or_followed_up_before_it_happened_is_refused(areas, officer):
    household = factories.household(areas["village_a"])
    with pytest.raises(ValidationError) as future:
        _visit(officer, household, visited_on=TODAY + datetime.timedelta(days=2))
    assert "visited_on" in future.value.message_dict
    with pytest.raises(ValidationError) as early:
        _visit(officer, household, follow_up_due=TODAY - datetime.timedelta(days=1))
    assert "follow_up_due" in early.value.message_dict
    assert not Visit.objects.exists()


def test_a_pairing_records_help_over_time_and_ends_with_a_reason(areas, officer):
    household = factories.household(areas["village_a"])
    pairing = services.pairing_start(
        by=officer, cadre=officer, household=household, difficulty="因病致困", started_on=TODAY
    )
    services.help_record(by=officer, pairing=pairing, given_on=TODAY, description="送米面油", value="200")
    with pytest.raises(ValidationError):
        services.pairing_start(
            by=officer, cadre=officer, household=household, difficulty="x", started_on=TODAY
        )
    ended = services.pairing_end(by=officer, pairing=pairing, ended_on=TODAY, reason="已脱困")
    assert ended.status == "ended" and pairing.help.get().value == 200
