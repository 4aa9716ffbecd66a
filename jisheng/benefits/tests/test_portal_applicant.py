"""Benefit applications belong to someone. Knowing a child's name and ID number is not enough to be
paid for the child: the portal names the applicant and their relation, accepts at once only the
child's registered parent (or the beneficiary), sends anyone else to the village officer to verify
with documents, pays only to the applicant's or beneficiary's account, and refuses a second open
application for the same person and year."""

import datetime

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from jisheng.benefits import applications, services
from jisheng.benefits.models import Application

from .factories import CARD, OTHER_CARD, child_of, person

D = datetime.date


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()


@pytest.fixture
def family(areas):
    mother = person(areas["village_a"], "李秀英", "2", D(1995, 5, 1))
    child = child_of(mother, "张小宝", "1", D(2025, 3, 15))
    stranger = person(areas["village_a2"], "王二麻", "1", D(1980, 1, 1))
    return {"mother": mother, "child": child, "stranger": stranger}


def apply(child, *, applicant, relation, number=CARD, holder=None, bank="中国农业银行"):
    return Client().post(
        "/benefits/apply/",
        {
            "name": child.name,
            "id_number": child.id_number,
            "programme": "childcare_subsidy",
            "year": 2025,
            "applicant_name": applicant.name,
            "applicant_id_number": applicant.id_number,
            "relation": relation,
            "account_kind": "bank_card",
            "bank_account": number,
            "bank_name": bank,
            "account_holder": holder or applicant.name,
        },
    )


def test_the_registered_mother_is_accepted_at_once_with_her_own_account(family):
    apply(family["child"], applicant=family["mother"], relation="mother")
    application = Application.objects.get()
    assert application.status == Application.Status.ELIGIBLE
    assert application.applicant_id == family["mother"].pk and application.relation == "mother"
    assert application.account_holder == "李秀英"


def test_a_stranger_who_knows_the_childs_name_and_id_goes_to_the_village_officer_and_is_not_paid(
    areas, family, make_user
):
    page = apply(family["child"], applicant=family["stranger"], relation="mother").content.decode()
    application = Application.objects.get()
    assert application.status == Application.Status.VERIFYING and application.applicant is None
    assert "待核实" in page
    # the proposal does not take the unverified account, so the bank file cannot pay it
    township = make_user(areas["township_a"], "township_head")
    batch = services.batch_propose(
        programme_id="childcare_subsidy", year=2025, area=areas["township_a"], by=township
    )
    assert batch.lines.get().bank_account == ""


def test_claiming_to_be_the_father_without_being_him_is_not_enough(family):
    apply(family["child"], applicant=family["stranger"], relation="father")
    assert Application.objects.get().status == Application.Status.VERIFYING


def test_an_applicant_unknown_to_the_registry_goes_to_verification(family, areas):
    nobody = person(areas["village_b"], "赵六", "1", D(1985, 1, 1))
    nobody.id_number = "110101198501010030"  # not the number the registry holds for them
    apply(family["child"], applicant=nobody, relation="guardian")
    assert Application.objects.get().status == Application.Status.VERIFYING


def test_an_account_in_a_third_persons_name_is_refused(family):
    page = apply(family["child"], applicant=family["stranger"], relation="mother", holder="钱七").content
    assert "收款账户须为申请人本人或申请对象本人的账户" in page.decode()
    assert not Application.objects.exists()


def test_a_second_application_for_the_same_child_and_year_with_another_account_is_refused(family):
    apply(family["child"], applicant=family["mother"], relation="mother")
    page = apply(
        family["child"], applicant=family["stranger"], relation="guardian", number=OTHER_CARD
    ).content.decode()
    assert "已有一份正在办理的申请" in page
    assert Application.objects.count() == 1 and Application.objects.get().bank_account == CARD


def test_a_strangers_unverified_application_does_not_block_the_registered_mother(family):
    apply(family["child"], applicant=family["stranger"], relation="guardian", number=OTHER_CARD)
    apply(family["child"], applicant=family["mother"], relation="mother")
    statuses = dict(Application.objects.values_list("applicant_name", "status"))
    assert statuses == {"王二麻": "rejected", "李秀英": "eligible"}


def test_the_database_refuses_a_second_open_application_whatever_the_route(family):
    applications.resident_application_submit(
        person=family["child"],
        programme_id="childcare_subsidy",
        year=2025,
        applicant_name="李秀英",
        applicant_id_number=family["mother"].id_number,
        relation="mother",
    )
    first = Application.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(
            person=first.person,
            area=first.area,
            programme_id=first.programme_id,
            year=2025,
            version="2025",
            status="verifying",
            reasons="-",
        )


def test_the_village_officer_sees_the_application_awaiting_verification_and_decides_it(
    areas, family, make_user, client_for
):
    apply(family["child"], applicant=family["stranger"], relation="guardian")
    application = Application.objects.get()
    officer = make_user(areas["village_a"], "village_officer")
    client = client_for(officer)
    listing = client.get("/benefits/applications/?status=verifying").content.decode()
    assert "待村专干核实" in listing and "王二麻（其他监护人）" in listing
    client.post(f"/benefits/applications/{application.pk}/verify/", {"decision": "reject", "note": ""})
    assert Application.objects.get().status == "verifying"  # a decision needs the documents named
    client.post(
        f"/benefits/applications/{application.pk}/verify/",
        {"decision": "reject", "note": "无监护关系证明，申请人非监护人"},
    )
    assert Application.objects.get().status == Application.Status.REJECTED
    with pytest.raises(ValidationError):
        applications.application_verify(application=application, accept=True, note="再次", by=officer)
