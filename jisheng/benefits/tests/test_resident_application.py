"""A resident applies for a benefit on the public portal and sees at once whether the rule accepts them."""

import datetime

import pytest
from django.core.cache import cache
from django.test import Client

from jisheng.audit.models import AuditEvent
from jisheng.benefits.models import Application

from .factories import child_of, person


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()


def _apply(client: Client, **fields: object):
    data = {
        "year": 2025,
        "programme": "childcare_subsidy",
        "applicant_name": "李秀英",
        "applicant_id_number": "411723199505010021",
        "relation": "mother",
        "account_kind": "bank_card",
        "bank_account": "",
        "bank_name": "",
        "account_holder": "",
        **fields,
    }
    return client.post("/benefits/apply/", data)


@pytest.mark.django_db
def test_a_mother_applies_for_her_childs_childcare_subsidy_without_signing_in(areas):
    mother = person(areas["village_a"], "李秀英", "2", datetime.date(1995, 5, 1))
    child = child_of(mother, "张小宝", "1", datetime.date(2025, 3, 15))
    response = _apply(
        Client(),
        name="张小宝",
        id_number=child.id_number.lower(),
        applicant_id_number=mother.id_number,
        bank_account="6228 4812 3456 7890 128",
        bank_name="中国农业银行",
        account_holder="李秀英",
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "符合条件" in page and "3600.00" in page
    application = Application.objects.get(person=child)
    assert application.status == Application.Status.ELIGIBLE
    assert application.bank_account == "6228481234567890128"
    assert application.applicant_id == mother.pk and application.relation == "mother"
    event = AuditEvent.objects.get(action="benefits.application_submit", object_id=str(application.pk))
    assert event.actor is None and event.reason == "群众网上申请"
    assert event.area_code == areas["village_a"].code


@pytest.mark.django_db
def test_a_name_that_does_not_match_the_id_number_is_refused_and_nothing_is_recorded(areas):
    mother = person(areas["village_a"], "李秀英", "2", datetime.date(1995, 5, 1))
    response = _apply(Client(), name="王秀英", id_number=mother.id_number)
    assert "身份核验未通过" in response.content.decode()
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_the_portal_stops_an_address_that_keeps_guessing(areas):
    client = Client()
    for _attempt in range(10):
        _apply(client, name="某人", id_number="411723199001011234")
    assert "尝试次数过多" in _apply(client, name="某人", id_number="411723199001011234").content.decode()
