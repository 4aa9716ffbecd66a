import datetime

import pytest

from jisheng.core.actor import DEMO
from jisheng.outreach import services
from jisheng.outreach.models import Handoff, StockLevel, Visit

from . import factories

TODAY = datetime.date.today()
API = "/api/v1/outreach"


@pytest.fixture
def officer(areas, make_user):
    return make_user(areas["village_a"], "village_officer")


def test_the_phone_sends_a_visit_twice_with_its_client_id_and_one_is_kept(areas, officer, client_for):
    factories.household(areas["village_a"], number="H77")
    client = client_for(officer)
    body = {"household": "H77", "visited_on": TODAY.isoformat(), "asked": "低保", "client_id": "dev1-0001"}
    first = client.post(f"{API}/visits", body, content_type="application/json")
    again = client.post(f"{API}/visits", body, content_type="application/json")
    assert first.status_code == again.status_code == 200
    assert first.json()["id"] == again.json()["id"] and Visit.objects.count() == 1


def test_a_bad_visit_is_refused_in_json_naming_the_field(areas, officer, client_for):
    factories.household(areas["village_a"], number="H78")
    body = {"household": "H78", "visited_on": (TODAY + datetime.timedelta(days=3)).isoformat()}
    response = client_for(officer).post(f"{API}/visits", body, content_type="application/json")
    assert response.status_code == 400 and "visited_on" in response.json()["detail"]


def test_an_office_lists_and_takes_a_hand_off(areas, make_user, client_for):
    household = factories.household(areas["village_a"])
    services.visit_record(
        by=DEMO, household=household, visited_on=TODAY, met="", asked="修桥", promised="", follow_up_due=None
    )
    client = client_for(make_user(areas["township_a"], "counter_clerk"))
    [row] = client.get(f"{API}/handoffs").json()
    assert "修桥" in row["summary"]
    taken = client.post(
        f"{API}/handoffs/{row['id']}/take", {"reference": "TZ-1"}, content_type="application/json"
    )
    assert taken.status_code == 200 and Handoff.objects.get().status == "handed_off"
    assert client.get(f"{API}/handoffs").json() == []


def test_a_hand_out_beyond_the_stock_is_refused_and_the_stock_stays(areas, officer, client_for):
    item = services.supply_item_define(by=DEMO, code="ring", name="宫内节育器", kind="contraceptive")
    services.stock_receive(
        by=DEMO,
        area=areas["village_a"],
        item=item,
        quantity=1,
        received_on=TODAY,
        expires_on=TODAY + datetime.timedelta(days=100),
    )
    campaign = services.campaign_record(
        by=DEMO,
        area=areas["village_a"],
        name="5.29",
        kind="care_day",
        starts_on=TODAY,
        ends_on=TODAY,
        places="村委会",
    )
    body = {"item": "ring", "quantity": 2, "moved_on": TODAY.isoformat(), "campaign": campaign.pk}
    response = client_for(officer).post(f"{API}/handouts", body, content_type="application/json")
    assert response.status_code == 400 and StockLevel.objects.get().quantity == 1
