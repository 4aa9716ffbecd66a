"""Four eyes on money: whoever proposes or reviews a batch cannot approve it, and the approver cannot
issue the bank file or mark payments paid. One rule (accounts.permissions), tested across the flow."""

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied

from jisheng.accounts.permissions import ensure_different_person, may_take
from jisheng.benefits import services
from jisheng.benefits.models import Batch, Payment

from .factories import give_accounts, person

D = datetime.date


@pytest.fixture
def staff(areas, make_user):
    return {
        "township": make_user(areas["township_a"], "township_head"),
        "county_a": make_user(areas["county"], "county_staff"),
        "county_b": make_user(areas["county"], "county_staff"),
        "county_c": make_user(areas["county"], "county_staff"),
        # a county officer who also holds the township head's role (a small county's reality)
        "both": make_user(areas["county"], "county_staff", "township_head"),
    }


@pytest.fixture
def babies(areas):
    return [
        person(areas["village_a"], "王小一", "1", D(2025, 3, 1)),
        person(areas["village_a2"], "李小二", "2", D(2024, 8, 8)),
    ]


def reviewed(areas, proposer, reviewer):
    batch = services.batch_propose(
        programme_id="childcare_subsidy", year=2025, area=areas["township_a"], by=proposer
    )
    batch = services.batch_start_notice(batch=batch, by=proposer, start=D(2020, 1, 1))
    batch = services.batch_review(batch=batch, accept=True, reason="公示无异议", by=reviewer)
    give_accounts(batch)
    return batch


def test_the_rule_refuses_a_second_step_to_the_same_person_and_names_both_steps(staff):
    with pytest.raises(PermissionDenied, match="您已提出此事项，不能再审批"):
        ensure_different_person(staff["county_a"], step="approve", earlier={"propose": staff["county_a"]})
    ensure_different_person(staff["county_b"], step="approve", earlier={"propose": staff["county_a"]})
    ensure_different_person(None, step="approve", earlier={"propose": None})  # the system, the demo
    assert not may_take(staff["county_a"], earlier={"review": None, "propose": staff["county_a"]})


def test_the_proposer_cannot_approve_the_batch(areas, staff, babies):
    batch = reviewed(areas, staff["county_a"], staff["township"])
    with pytest.raises(PermissionDenied, match="双人复核"):
        services.batch_approve(batch=batch, accept=True, reason="同意", by=staff["county_a"])
    assert Batch.objects.get(pk=batch.pk).status == Batch.Status.REVIEWED


def test_the_reviewer_cannot_approve_the_batch(areas, staff, babies):
    batch = reviewed(areas, staff["township"], staff["both"])
    with pytest.raises(PermissionDenied, match="您已初审此事项"):
        services.batch_approve(batch=batch, accept=True, reason="同意", by=staff["both"])


def test_the_approver_cannot_issue_the_bank_file_nor_mark_a_payment_paid(areas, staff, babies):
    batch = reviewed(areas, staff["township"], staff["township"])
    batch = services.batch_approve(batch=batch, accept=True, reason="同意", by=staff["county_a"])
    with pytest.raises(PermissionDenied, match="您已审批此事项"):
        services.payments_issue(batch=batch, by=staff["county_a"])
    assert not Payment.objects.exists()
    payments = services.payments_issue(batch=batch, by=staff["county_b"])
    with pytest.raises(PermissionDenied, match="双人复核"):
        services.payment_settle(payment=payments[0], paid=True, by=staff["county_a"])
    failed = services.payment_settle(payment=payments[0], paid=False, reason="账号有误", by=staff["county_c"])
    with pytest.raises(PermissionDenied, match="双人复核"):
        services.payment_reissue(payment=failed, by=staff["county_a"])


def test_the_whole_flow_with_a_different_person_at_each_step_pays_everyone_once(areas, staff, babies):
    batch = reviewed(areas, staff["township"], staff["township"])
    batch = services.batch_approve(batch=batch, accept=True, reason="同意", by=staff["county_a"])
    for payment in services.payments_issue(batch=batch, by=staff["county_b"]):
        services.payment_settle(payment=payment, paid=True, by=staff["county_b"])
    batch.refresh_from_db()
    assert batch.status == Batch.Status.CLOSED
    assert Payment.objects.filter(status="paid").count() == 2


def test_the_batch_page_offers_no_step_the_user_may_not_take(areas, staff, babies, client_for):
    batch = reviewed(areas, staff["county_a"], staff["township"])
    proposer_page = client_for(staff["county_a"]).get(f"/benefits/batches/{batch.pk}/").content.decode()
    other_page = client_for(staff["county_b"]).get(f"/benefits/batches/{batch.pk}/").content.decode()
    assert 'id="approve"' not in proposer_page and 'id="approve"' in other_page
    services.batch_approve(batch=batch, accept=True, reason="同意", by=staff["county_b"])
    approver_page = client_for(staff["county_b"]).get(f"/benefits/batches/{batch.pk}/").content.decode()
    payer_page = client_for(staff["county_c"]).get(f"/benefits/batches/{batch.pk}/").content.decode()
    assert 'id="issue-payments"' not in approver_page and 'id="issue-payments"' in payer_page


def test_the_api_refuses_the_approver_paying_with_a_403_in_chinese(areas, staff, babies, client_for):
    batch = reviewed(areas, staff["township"], staff["township"])
    services.batch_approve(batch=batch, accept=True, reason="同意", by=staff["county_a"])
    response = client_for(staff["county_a"]).post(
        f"/api/v1/benefits/batches/{batch.pk}/decisions",
        json.dumps({"step": "pay"}),
        content_type="application/json",
    )
    assert response.status_code == 403 and "双人复核" in response.json()["detail"]
