"""The batch process, step by step, each by a person with the authority; nobody is paid twice."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from jisheng.audit.models import AuditEvent
from jisheng.benefits import applications, services
from jisheng.benefits.models import Batch, Line, Payment
from jisheng.benefits.payee import clean_account

from .factories import OTHER_CARD, give_accounts, person

D = datetime.date


@pytest.fixture
def staff(areas, make_user):
    return {
        "village": make_user(areas["village_a"], "village_officer"),
        "township": make_user(areas["township_a"], "township_head"),
        "county": make_user(areas["county"], "county_staff"),
        "payer": make_user(areas["county"], "county_staff"),
        "auditor": make_user(areas["county"], "auditor"),
        "other_township": make_user(areas["township_b"], "township_head"),
    }


@pytest.fixture
def babies(areas):
    return [
        person(areas["village_a"], "王小一", "1", D(2025, 3, 1)),
        person(areas["village_a2"], "李小二", "2", D(2022, 12, 31)),
        person(areas["village_a"], "王小三", "2", D(2024, 8, 8)),
    ]


def propose(areas, staff):
    return services.batch_propose(
        programme_id="childcare_subsidy", year=2025, area=areas["township_a"], by=staff["township"]
    )


def through_notice(batch, staff):
    batch = services.batch_start_notice(batch=batch, by=staff["township"], start=D(2020, 1, 1))
    return batch


def approved(areas, staff):
    batch = through_notice(propose(areas, staff), staff)
    batch = services.batch_review(batch=batch, accept=True, reason="公示无异议", by=staff["township"])
    give_accounts(batch)
    return services.batch_approve(batch=batch, accept=True, reason="同意", by=staff["county"])


def test_a_proposal_keeps_each_line_with_its_amount_version_and_reasons(areas, staff, babies):
    batch = propose(areas, staff)
    lines = {line.name: line for line in batch.lines.all()}
    assert set(lines) == {"王小一", "李小二", "王小三"}
    assert lines["李小二"].amount == Decimal("3300.00")
    assert "符合条件" in lines["李小二"].reasons
    assert batch.version == "2025"
    assert batch.total == Decimal("10500.00") == sum(line.amount for line in lines.values())
    assert AuditEvent.objects.filter(action="benefits.batch_propose", object_id=str(batch.pk)).exists()


def test_the_township_cannot_review_before_the_notice_period_ends(areas, staff, babies):
    batch = services.batch_start_notice(batch=propose(areas, staff), by=staff["township"], days=7)
    with pytest.raises(ValidationError, match="公示期至"):
        services.batch_review(batch=batch, accept=True, reason="同意", by=staff["township"])


def test_an_upheld_objection_withdraws_the_line_and_lowers_the_total(areas, staff, babies):
    batch = through_notice(propose(areas, staff), staff)
    line = batch.lines.get(name="王小一")
    objection = services.objection_record(
        line=line, raised_by="村民张某", content="该户已迁往外省", by=staff["village"]
    )
    with pytest.raises(ValidationError, match="未处理的异议"):
        services.batch_review(batch=batch, accept=True, reason="同意", by=staff["township"])
    services.objection_resolve(objection=objection, upheld=True, resolution="经核实属实", by=staff["village"])
    line.refresh_from_db()
    batch.refresh_from_db()
    assert line.status == Line.Status.WITHDRAWN
    assert batch.total == Decimal("6900.00")


def test_each_step_needs_its_role_and_auditors_change_nothing(areas, staff, babies):
    batch = through_notice(propose(areas, staff), staff)
    with pytest.raises(PermissionDenied):
        services.batch_review(batch=batch, accept=True, reason="同意", by=staff["village"])
    with pytest.raises(PermissionDenied):
        services.batch_review(batch=batch, accept=True, reason="同意", by=staff["auditor"])
    with pytest.raises(PermissionDenied):
        services.batch_review(batch=batch, accept=True, reason="同意", by=staff["other_township"])
    batch = services.batch_review(batch=batch, accept=True, reason="同意", by=staff["township"])
    with pytest.raises(PermissionDenied):
        services.batch_approve(batch=batch, accept=True, reason="同意", by=staff["township"])


def test_approving_twice_is_refused_and_creates_no_second_event(areas, staff, babies):
    batch = approved(areas, staff)
    with pytest.raises(ValidationError, match="县级已批准|Approved"):
        services.batch_approve(batch=batch, accept=True, reason="再次同意", by=staff["county"])
    assert AuditEvent.objects.filter(action="benefits.batch_approve").count() == 1


def test_retrying_the_payment_export_creates_no_new_payments(areas, staff, babies):
    batch = approved(areas, staff)
    first = services.payments_issue(batch=batch, by=staff["payer"])
    second = services.payments_issue(batch=batch, by=staff["payer"])
    assert [p.pk for p in first] == [p.pk for p in second]
    assert Payment.objects.count() == 3
    assert sum(p.amount for p in first) == Decimal("10500.00")


def test_a_second_batch_for_the_same_people_and_year_proposes_nobody_already_proposed(areas, staff, babies):
    approved(areas, staff)
    again = services.batch_propose(
        programme_id="childcare_subsidy", year=2025, area=areas["village_a"], by=staff["village"]
    )
    assert again.lines.count() == 0


def test_the_database_refuses_a_second_live_payment_for_the_same_person_programme_and_period(
    areas, staff, babies
):
    batch = approved(areas, staff)
    payment = services.payments_issue(batch=batch, by=staff["payer"])[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            line=payment.line,
            person=payment.person,
            area=payment.area,
            programme_id=payment.programme_id,
            period=payment.period,
            amount=payment.amount,
            attempt=2,
        )


def test_a_payment_already_made_through_another_batch_is_skipped_cleanly(areas, staff, babies):
    batch = approved(areas, staff)
    line = batch.lines.get(name="王小一")
    # the same child paid through an older, separate batch (e.g. an application handled by hand)
    other = Batch.objects.create(
        programme_id="childcare_subsidy",
        programme_name="育儿补贴",
        version="2025",
        year=2025,
        area=areas["village_a"],
        status="approved",
    )
    other_line = Line.objects.create(
        batch=other,
        person=line.person,
        area=line.area,
        name=line.name,
        id_number=line.id_number,
        amount=line.amount,
        reasons="-",
        status="approved",
    )
    Payment.objects.create(
        line=other_line,
        person=line.person,
        area=line.area,
        programme_id="childcare_subsidy",
        period="2025",
        amount=line.amount,
    )
    payments = services.payments_issue(batch=batch, by=staff["payer"])
    assert {p.line.name for p in payments} == {"李小二", "王小三"}
    event = AuditEvent.objects.filter(action="benefits.payments_issue").latest("id")
    assert event.after == {"created": 2, "skipped_already_paid": 1}


def test_a_failed_line_is_reissued_once_and_the_batch_closes_when_all_are_paid(areas, staff, babies):
    batch = approved(areas, staff)
    payments = services.payments_issue(batch=batch, by=staff["payer"])
    failed = services.payment_settle(payment=payments[0], paid=False, reason="账号不存在", by=staff["payer"])
    for payment in payments[1:]:
        services.payment_settle(payment=payment, paid=True, by=staff["payer"])
    corrected = clean_account(
        kind="bank_card", number=OTHER_CARD, bank_name="中国工商银行", holder=failed.line.name
    )
    again = services.payment_reissue(payment=failed, account=corrected, by=staff["payer"])
    assert again.bank_account == OTHER_CARD != failed.bank_account
    with pytest.raises(ValidationError, match="已重新发放"):
        services.payment_reissue(payment=failed, by=staff["payer"])
    with pytest.raises(ValidationError):
        services.payment_settle(payment=payments[1], paid=True, by=staff["payer"])
    services.payment_settle(payment=again, paid=True, by=staff["payer"])
    batch.refresh_from_db()
    assert batch.status == Batch.Status.CLOSED
    paid = Payment.objects.filter(status="paid")
    assert paid.count() == 3 and sum(p.amount for p in paid) == batch.total


def test_a_village_officer_cannot_apply_for_a_resident_of_another_village(areas, staff, babies):
    with pytest.raises(PermissionDenied):
        applications.application_submit(
            person=babies[1], programme_id="childcare_subsidy", year=2025, by=staff["village"]
        )


def test_an_application_is_checked_against_the_same_rule(areas, staff, babies):
    eligible = applications.application_submit(
        person=babies[2], programme_id="childcare_subsidy", year=2025, by=staff["village"]
    )
    old = person(areas["village_a"], "大孩子", "1", D(2020, 5, 5))
    refused = applications.application_submit(
        person=old, programme_id="childcare_subsidy", year=2025, by=staff["village"]
    )
    assert eligible.status == "eligible" and eligible.amount == Decimal("3600.00")
    assert refused.status == "ineligible" and "不符合" in refused.reasons


def test_a_programme_without_village_notice_is_reviewed_straight_from_the_proposal(areas, staff):
    from .factories import sterilise

    sterilise(person(areas["village_a"], "结扎者", "2", D(1990, 1, 1)), D(2025, 4, 1))
    batch = services.batch_propose(
        programme_id="surgery_reimbursement", year=2025, area=areas["township_a"], by=staff["township"]
    )
    batch = services.batch_review(batch=batch, accept=True, reason="票据齐全", by=staff["township"])
    assert batch.status == Batch.Status.REVIEWED and batch.total == Decimal("800.00")
