"""The pages of the later steps: end a pairing, record a referral's outcome, refuse a care gift or mark
it handed over, accept a project as finished. Each goes through its service (audited), and a sibling
township's record is not found."""

import datetime

import pytest
from django.urls import reverse

from jisheng.audit.models import AuditEvent
from jisheng.outreach import services
from jisheng.outreach.models import CareGift, HealthReferral, Pairing, Project
from tests.factories import SETUP, make_household, make_person

TODAY = datetime.date.today()


@pytest.fixture
def head(areas, make_user):
    return make_user(areas["township_a"], "township_head", full_name="张镇长")


def _visit(household):
    return services.visit_record(
        by=SETUP, household=household, visited_on=TODAY, met="户主", asked="", promised="", follow_up_due=None
    )


def _audited(action, obj):
    return AuditEvent.objects.filter(action=action, object_id=str(obj.pk)).exists()


def test_a_cadre_ends_a_pairing_on_its_page_with_a_reason(areas, head, client_for):
    household = make_household(area=areas["village_a"])
    pairing = services.pairing_start(
        by=SETUP, cadre=head, household=household, difficulty="因病致贫", started_on=TODAY
    )
    client = client_for(head)
    assert (
        reverse("outreach:pairing_end", args=[pairing.pk])
        in client.get(reverse("outreach:pairings")).content.decode()
    )
    url = reverse("outreach:pairing_end", args=[pairing.pk])
    refused = client.post(url, {"ended_on": TODAY.isoformat(), "reason": " "})
    assert refused.status_code == 200 and Pairing.objects.get().status == "active"
    response = client.post(url, {"ended_on": TODAY.isoformat(), "reason": "已脱贫"})
    assert response.status_code == 302, response.content.decode()
    pairing.refresh_from_db()
    assert (pairing.status, pairing.ended_on) == ("ended", TODAY)
    assert _audited("outreach.pairing_end", pairing)
    assert "因病致贫" not in client.get(reverse("outreach:pairings")).content.decode()


def test_a_referrals_outcome_is_recorded_on_its_page_and_stays_masked_on_the_list(areas, head, client_for):
    person = make_person(area=areas["village_a"], name="钱芳", sex="2", birth=datetime.date(1990, 1, 2))
    referral = services.referral_record(
        by=SETUP, person=person, kind="infertility", referred_on=TODAY, referred_to="市妇幼保健院"
    )
    client = client_for(head)
    url = reverse("outreach:referral_outcome", args=[referral.pk])
    page = client.get(reverse("outreach:health") + "?kind=referral").content.decode()
    assert url in page
    response = client.post(url, {"outcome": "已受孕转产检"})
    assert response.status_code == 302, response.content.decode()
    assert HealthReferral.objects.get().outcome == "已受孕转产检"
    assert _audited("outreach.referral_outcome", referral)
    assert "已受孕" not in client.get(reverse("outreach:health") + "?kind=referral").content.decode()


def test_a_proposed_gift_is_refused_on_its_page_by_another_person_with_a_reason(
    areas, head, make_user, client_for
):
    proposer = make_user(areas["township_a"], "township_head")
    visit = _visit(make_household(area=areas["village_a"]))
    gift = services.gift_propose(by=proposer, visit=visit, occasion="5.29", money="300")
    url = reverse("outreach:gift_refuse", args=[gift.pk])
    # the proposer may not refuse their own proposal (four eyes)
    own = client_for(proposer).post(url, {"reason": "重复申报"})
    assert own.status_code == 200 and CareGift.objects.get().status == "proposed"
    client = client_for(head)
    assert url in client.get(reverse("outreach:gifts")).content.decode()
    response = client.post(url, {"reason": "重复申报"})
    assert response.status_code == 302, response.content.decode()
    gift.refresh_from_db()
    assert (gift.status, gift.approved_by) == ("refused", head)
    event = AuditEvent.objects.get(action="outreach.gift_refuse", object_id=str(gift.pk))
    assert event.reason == "重复申报"


def test_an_approved_gift_is_marked_handed_over_on_its_page(areas, head, make_user, client_for):
    officer = make_user(areas["village_a"], "village_officer")
    visit = _visit(make_household(area=areas["village_a"]))
    gift = services.gift_propose(by=officer, visit=visit, occasion="5.29", money="300")
    services.gift_approve(by=head, gift=gift)
    client = client_for(officer)
    url = reverse("outreach:gift_given", args=[gift.pk])
    assert url in client.get(reverse("outreach:gifts")).content.decode()
    tomorrow = (TODAY + datetime.timedelta(days=1)).isoformat()
    assert client.post(url, {"given_on": tomorrow}).status_code == 200  # not in the future
    response = client.post(url, {"given_on": TODAY.isoformat()})
    assert response.status_code == 302, response.content.decode()
    gift.refresh_from_db()
    assert (gift.status, gift.given_on) == ("given", TODAY)
    assert _audited("outreach.gift_given", gift)


def test_a_township_accepts_a_project_as_finished_once_its_milestones_are_done(
    areas, head, make_user, client_for
):
    need = services.need_submit(
        by=SETUP,
        area=areas["village_a"],
        year=TODAY.year,
        kind="boards",
        title="宣传栏",
        cost="8000",
        urgency=5,
    )
    services.allocation_run(
        by=make_user(areas["county"], "county_staff"), county=areas["county"], year=TODAY.year, budget="8000"
    )
    project = Project.objects.get(need=need)
    services.project_assign(by=head, project=project, implementer="镇建筑队")
    milestone = services.milestone_add(by=head, project=project, title="立杆", due=TODAY)
    client = client_for(head)
    url = reverse("outreach:project_finish", args=[project.pk])
    assert url in client.get(reverse("outreach:project", args=[project.pk])).content.decode()
    assert client.post(url, {"accepted": "on"}).status_code == 200  # a milestone is open
    assert Project.objects.get().status == "under_way"
    services.milestone_done(by=head, milestone=milestone, done_on=TODAY)
    assert client.post(url, {}).status_code == 200  # the acceptance must be ticked
    response = client.post(url, {"accepted": "on"})
    assert response.status_code == 302, response.content.decode()
    assert Project.objects.get().status == "done"
    assert _audited("outreach.project_finish", project)


def test_a_sibling_townships_records_are_not_found_on_the_step_pages(areas, make_user, client_for):
    other = client_for(make_user(areas["township_b"], "township_head"))
    household = make_household(area=areas["village_a"])
    cadre = make_user(areas["village_a"], "village_officer")
    pairing = services.pairing_start(
        by=SETUP, cadre=cadre, household=household, difficulty="x", started_on=TODAY
    )
    gift = services.gift_propose(by=SETUP, visit=_visit(household), occasion="5.29", money="1")
    for url in (
        reverse("outreach:pairing_end", args=[pairing.pk]),
        reverse("outreach:gift_refuse", args=[gift.pk]),
    ):
        assert other.get(url).status_code == 404
        assert other.post(url, {"ended_on": TODAY.isoformat(), "reason": "x"}).status_code == 404
    assert Pairing.objects.get().status == "active" and CareGift.objects.get().status == "proposed"
