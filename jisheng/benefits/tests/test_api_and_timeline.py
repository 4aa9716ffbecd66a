"""The API runs the same engine and services as the pages; the person timeline shows benefits."""

import datetime
import json
from decimal import Decimal

import pytest
from django.apps import apps

from jisheng.benefits import services
from jisheng.benefits.models import Batch
from tests.factories import SETUP

from .factories import give_accounts, person

D = datetime.date


@pytest.fixture
def staff(areas, make_user):
    return {
        "township": make_user(areas["township_a"], "township_head"),
        "county": make_user(areas["county"], "county_staff"),
        "payer": make_user(areas["county"], "county_staff"),
        "other": make_user(areas["township_b"], "township_head"),
    }


@pytest.fixture
def baby(areas):
    return person(areas["village_a"], "王小一", "1", D(2022, 12, 31))


def post(client, url, payload):
    return client.post(url, json.dumps(payload), content_type="application/json")


def test_a_run_through_the_api_proposes_with_reasons_and_saves_nothing(areas, staff, baby, client_for):
    response = post(
        client_for(staff["township"]),
        "/api/v1/benefits/runs",
        {"programme": "childcare_subsidy", "year": 2025, "area": "411723101"},
    )
    body = response.json()
    assert response.status_code == 200
    assert body["total"] == "3300.00" and body["proposals"][0]["name"] == "王小一"
    assert any("按月折算" in r for r in body["proposals"][0]["reasons"])
    assert Batch.objects.count() == 0


def test_a_run_over_another_township_is_refused(areas, staff, baby, client_for):
    response = post(
        client_for(staff["other"]),
        "/api/v1/benefits/runs",
        {"programme": "childcare_subsidy", "year": 2025, "area": "411723101"},
    )
    assert response.status_code == 404


def test_decisions_through_the_api_follow_the_process_and_a_repeat_is_a_conflict(
    areas, staff, baby, client_for
):
    township = client_for(staff["township"])
    job = post(
        township,
        "/api/v1/benefits/batches",
        {"programme": "childcare_subsidy", "year": 2025, "area": "411723101"},
    ).json()
    batch = {"id": township.get(job["status_url"]).json()["batch"]}
    assert (
        post(township, f"/api/v1/benefits/batches/{batch['id']}/decisions", {"step": "notice"}).json()[
            "status"
        ]
        == "notice"
    )
    Batch.objects.filter(pk=batch["id"]).update(notice_end=D(2020, 1, 1))
    assert (
        post(
            township,
            f"/api/v1/benefits/batches/{batch['id']}/decisions",
            {"step": "review", "reason": "无异议"},
        ).status_code
        == 200
    )
    county = client_for(staff["county"])
    first = post(
        county, f"/api/v1/benefits/batches/{batch['id']}/decisions", {"step": "approve", "reason": "同意"}
    )
    again = post(
        county, f"/api/v1/benefits/batches/{batch['id']}/decisions", {"step": "approve", "reason": "同意"}
    )
    assert first.status_code == 200 and again.status_code == 409
    give_accounts(Batch.objects.get(pk=batch["id"]))
    payer = client_for(staff["payer"])  # four eyes: the approver does not pay
    paid = post(payer, f"/api/v1/benefits/batches/{batch['id']}/decisions", {"step": "pay"})
    assert paid.status_code == 202 and paid.json()["kind"] == "export", paid.content
    assert payer.get(paid.json()["status_url"]).json()["status"] == "done"
    assert Batch.objects.get(pk=batch["id"]).status == "paying"


def test_the_person_timeline_lists_the_benefit_and_its_payment(areas, staff, baby):
    batch = services.batch_propose(
        programme_id="childcare_subsidy", year=2025, area=areas["township_a"], by=SETUP
    )
    services.batch_start_notice(batch=batch, by=SETUP, start=D(2020, 1, 1))
    services.batch_review(batch=batch, accept=True, reason="无异议", by=SETUP)
    services.batch_approve(batch=batch, accept=True, reason="同意", by=SETUP)
    give_accounts(batch)
    payment = services.payments_issue(batch=batch, by=SETUP)[0]
    services.payment_settle(payment=payment, paid=True, by=SETUP)
    entries = apps.get_app_config("benefits").person_timeline(  # type: ignore[attr-defined]
        baby, staff["township"]
    )
    titles = [str(e["title"]) for e in entries]
    assert any("育儿补贴" in t for t in titles) and len(entries) == 2
    assert (
        apps.get_app_config("benefits").person_timeline(  # type: ignore[attr-defined]
            baby, staff["other"]
        )
        == []
    )


def test_the_seed_000_table_sets_the_systems_2013_figures_beside_the_reported_ones(areas, staff, client_for):
    from .factories import household, marry

    home = household(areas["village_a"])
    wife = person(areas["village_a"], "晚婚妻", "2", D(1989, 1, 1), household=home)
    marry(person(areas["village_a"], "晚婚夫", "1", D(1987, 1, 1), household=home), wife, D(2013, 5, 1))
    services.batch_propose(programme_id="late_marriage", year=2013, area=areas["township_a"], by=SETUP)
    page = client_for(staff["county"]).get("/benefits/reports/").content.decode()
    seed = page[page.index('id="seed"') :]
    assert "晚婚奖励" in seed and "300.00" in seed and "12600" in seed and "42" in seed
    assert Decimal("300.00") == Batch.objects.get().total
