import datetime
import decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jisheng.core.actor import DEMO
from jisheng.outreach import queries, services
from jisheng.outreach.models import Need, Project

from . import factories

TODAY = datetime.date.today()
YEAR = TODAY.year


def test_a_care_gift_is_traced_to_a_household_a_visit_and_an_approver_other_than_the_proposer(
    areas, make_user
):
    head = make_user(areas["township_a"], "township_head")
    other_head = make_user(areas["township_a"], "township_head")
    household = factories.household(areas["village_a"])
    visit = services.visit_record(
        by=head, household=household, visited_on=TODAY, met="老人", asked="", promised="", follow_up_due=None
    )
    gift = services.gift_propose(
        by=head, visit=visit, occasion="5.29", money="500", goods="米面油", goods_value="120"
    )
    with pytest.raises(PermissionDenied):
        services.gift_approve(by=head, gift=gift)
    approved = services.gift_approve(by=other_head, gift=gift)
    assert (
        approved.approved_by == other_head
        and approved.household_id == household.pk
        and approved.visit == visit
    )
    assert services.gift_given(by=head, gift=gift, given_on=TODAY).status == "given"


def test_a_gift_of_nothing_or_of_negative_money_is_refused(areas):
    household = factories.household(areas["village_a"])
    visit = services.visit_record(
        by=DEMO, household=household, visited_on=TODAY, met="", asked="", promised="", follow_up_due=None
    )
    with pytest.raises(ValidationError):
        services.gift_propose(by=DEMO, visit=visit, occasion="5.29")
    with pytest.raises(ValidationError):
        services.gift_propose(by=DEMO, visit=visit, occasion="5.29", money="-5")


def _needs(areas):
    urgent = services.need_submit(
        by=DEMO,
        area=areas["village_a"],
        year=YEAR,
        kind="service_room",
        title="村服务室改造",
        cost="30000",
        urgency=9,
        people_served=800,
    )
    middling = services.need_submit(
        by=DEMO,
        area=areas["village_a2"],
        year=YEAR,
        kind="boards",
        title="宣传栏",
        cost="8000",
        urgency=5,
        people_served=300,
    )
    large = services.need_submit(
        by=DEMO,
        area=areas["village_b"],
        year=YEAR,
        kind="courtyard",
        title="文化大院",
        cost="60000",
        urgency=7,
        people_served=1200,
    )
    return urgent, middling, large


def test_the_county_allocates_the_years_projects_by_score_within_its_budget_and_keeps_the_ranking(
    areas, make_user
):
    county = make_user(areas["county"], "county_staff", full_name="县计生委赵")
    urgent, middling, large = _needs(areas)
    run = services.allocation_run(by=county, county=areas["county"], year=YEAR, budget="50000")
    assert [line["need"] for line in run.ranking] == [urgent.pk, large.pk, middling.pk]
    assert [line["funded"] for line in run.ranking] == [True, False, True]
    assert run.decided_by_name == "县计生委赵"
    assert set(Project.objects.values_list("need_id", flat=True)) == {urgent.pk, middling.pk}
    assert Need.objects.get(pk=large.pk).status == "not_allocated"
    with pytest.raises(ValidationError):
        services.allocation_run(by=county, county=areas["county"], year=YEAR, budget="50000")


def test_a_township_cannot_allocate_the_countys_projects(areas, make_user):
    _needs(areas)
    with pytest.raises(PermissionDenied):
        services.allocation_run(
            by=make_user(areas["township_a"], "township_head"),
            county=areas["county"],
            year=YEAR,
            budget="50000",
        )


def test_the_audit_view_lists_a_project_whose_spending_exceeds_its_allocation(areas, make_user):
    _needs(areas)
    services.allocation_run(by=DEMO, county=areas["county"], year=YEAR, budget="50000")
    room = Project.objects.get(title="村服务室改造")
    boards = Project.objects.get(title="宣传栏")
    services.fund_enter(by=DEMO, project=room, kind="spent", amount="31000", entered_on=TODAY)
    services.fund_enter(by=DEMO, project=room, kind="receipt", amount="31000", entered_on=TODAY)
    services.fund_enter(by=DEMO, project=boards, kind="spent", amount="8000", entered_on=TODAY)
    services.fund_enter(by=DEMO, project=boards, kind="receipt", amount="8000", entered_on=TODAY)
    auditor = make_user(areas["county"], "auditor")
    off = queries.projects_off(auditor)
    assert [project.pk for project, _ in off] == [room.pk]
    assert "31000" in off[0][1][0]


def test_overdue_milestones_and_missing_receipts_are_flagged(areas):
    _needs(areas)
    services.allocation_run(by=DEMO, county=areas["county"], year=YEAR, budget="50000")
    boards = Project.objects.get(title="宣传栏")
    services.milestone_add(by=DEMO, project=boards, title="制作", due=TODAY - datetime.timedelta(days=3))
    services.fund_enter(by=DEMO, project=boards, kind="spent", amount="5000", entered_on=TODAY)
    [(project, problems)] = [
        row for row in queries.projects_off(DEMO_VIEWER(areas)) if row[0].pk == boards.pk
    ]
    assert len(problems) == 2 and project.fund_spent == decimal.Decimal("5000")


def DEMO_VIEWER(areas):  # noqa: N802 -- a stand-in user seeing the whole county
    class Viewer:
        is_authenticated = True
        area = areas["county"]

    return Viewer()


def test_an_inspection_photo_must_be_a_picture(areas):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _needs(areas)
    services.allocation_run(by=DEMO, county=areas["county"], year=YEAR, budget="50000")
    room = Project.objects.get(title="村服务室改造")
    with pytest.raises(ValidationError) as refused:
        services.inspection_record(
            by=DEMO,
            project=room,
            inspected_on=TODAY,
            verdict="passed",
            findings="好",
            photo=SimpleUploadedFile("x.jpg", b"not a picture"),
        )
    assert "photo" in refused.value.message_dict
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 20
    inspection = services.inspection_record(
        by=DEMO,
        project=room,
        inspected_on=TODAY,
        verdict="defects",
        findings="墙面未刷",
        photo=SimpleUploadedFile("p.png", png),
    )
    assert inspection.photo.endswith(".png")
