import datetime

import pytest
from django.core.exceptions import ValidationError

from jisheng.audit.models import AuditEvent
from jisheng.outreach import queries, services
from jisheng.outreach.models import Screening

from . import factories

TODAY = datetime.date.today()


@pytest.fixture
def officer(areas, make_user):
    return make_user(areas["village_a"], "village_officer")


def test_a_screening_goes_from_invitation_to_result_and_a_suspected_cancer_needs_a_referral(areas, officer):
    woman = factories.person(areas["village_a"])
    screening = services.screening_invite(by=officer, woman=woman, kind="cervical", invited_on=TODAY)
    with pytest.raises(ValidationError) as refused:
        services.screening_record(by=officer, screening=screening, screened_on=TODAY, result="suspected")
    assert "referral" in refused.value.message_dict
    done = services.screening_record(
        by=officer, screening=screening, screened_on=TODAY, result="suspected", referral="县妇幼保健院"
    )
    assert done.result == "suspected" and done.referral == "县妇幼保健院"
    with pytest.raises(ValidationError):
        services.screening_record(by=officer, screening=screening, screened_on=TODAY, result="normal")


def test_a_man_is_not_invited_to_cancer_screening(areas, officer):
    man = factories.person(areas["village_a"], female=False, name="王强")
    with pytest.raises(ValidationError):
        services.screening_invite(by=officer, woman=man, kind="breast", invited_on=TODAY)


def test_a_couples_pre_pregnancy_check_is_booked_then_done_with_its_result(areas, officer):
    wife = factories.person(areas["village_a"])
    husband = factories.person(areas["village_a"], female=False, name="张伟")
    check = services.prepregnancy_book(by=officer, wife=wife, husband=husband, booked_on=TODAY)
    with pytest.raises(ValidationError):
        services.prepregnancy_book(by=officer, wife=wife, booked_on=TODAY)
    done = services.prepregnancy_done(
        by=officer, check=check, done_on=TODAY, result="risk", follow_up="补叶酸"
    )
    assert done.status == "done" and queries.prepregnancy_done_between(TODAY, TODAY).get() == done


def test_revealing_health_data_needs_a_reason_and_is_in_the_audit_trail(areas, officer):
    woman = factories.person(areas["village_a"])
    screening = services.screening_invite(by=officer, woman=woman, kind="breast", invited_on=TODAY)
    services.screening_record(by=officer, screening=screening, screened_on=TODAY, result="abnormal")
    with pytest.raises(ValidationError):
        services.health_reveal(by=officer, obj=screening, reason="")
    values = services.health_reveal(by=officer, obj=screening, reason="随访")
    assert values["result"] == str(Screening.Result.ABNORMAL.label)
    event = AuditEvent.objects.get(action="outreach.health_reveal")
    assert event.reason == "随访" and event.object_id == str(screening.pk)


def test_a_referral_records_where_and_later_its_outcome(areas, officer):
    person = factories.person(areas["village_a"])
    referral = services.referral_record(
        by=officer, person=person, kind="infertility", referred_on=TODAY, referred_to="市生殖中心"
    )
    assert services.referral_outcome(by=officer, referral=referral, outcome="已治疗").outcome == "已治疗"


def test_the_screening_rates_count_the_invited_and_the_screened(areas, officer):
    for index in range(3):
        woman = factories.person(areas["village_a"], name=f"李{index}")
        screening = services.screening_invite(by=officer, woman=woman, kind="cervical", invited_on=TODAY)
        if index:
            services.screening_record(by=officer, screening=screening, screened_on=TODAY, result="normal")
    rates = queries.screening_rates(areas["county"].prefix, TODAY, TODAY)
    assert rates["invited"] == 3 and rates["screened"] == 2 and rates["rate"] == 66.7
