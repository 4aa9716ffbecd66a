import datetime

import pytest

from jisheng.audit.models import AuditEvent
from jisheng.registry.codes import Sex
from jisheng.registry.services import birth_record, contraception_record
from tests.factories import make_person


@pytest.fixture
def mother(areas):
    return make_person(area=areas["village_a"], name="王芳", sex=Sex.FEMALE, birth=datetime.date(1990, 1, 1))


def test_the_file_shows_the_id_masked_and_the_events(areas, make_user, client_for, mother):
    clerk = make_user(areas["township_a"], "counter_clerk")
    birth_record(mother=mother, date=datetime.date(2016, 5, 1), sex=Sex.MALE, child_name="王小宝", by=clerk)
    contraception_record(person=mother, method="700", start_date=datetime.date(2016, 9, 1), by=clerk)
    page = client_for(clerk).get(f"/registry/persons/{mother.pk}/").content.decode()
    assert mother.masked_id in page and mother.id_number not in page
    assert "王小宝" in page
    assert "2016-09-01" in page


def test_revealing_the_id_needs_a_reason_and_is_recorded_in_the_audit_trail(
    areas, make_user, client_for, mother
):
    clerk = make_user(areas["township_a"], "counter_clerk")
    client = client_for(clerk)
    refused = client.post(f"/registry/persons/{mother.pk}/reveal/", {"field": "id_number", "reason": ""})
    assert mother.id_number not in refused.content.decode()
    assert not AuditEvent.objects.filter(action="person.reveal_id").exists()
    shown = client.post(
        f"/registry/persons/{mother.pk}/reveal/", {"field": "id_number", "reason": "办理生育登记核对"}
    )
    assert mother.id_number in shown.content.decode()
    event = AuditEvent.objects.get(action="person.reveal_id")
    assert (event.object_id, event.reason, event.actor_username) == (
        str(mother.pk),
        "办理生育登记核对",
        clerk.username,
    )


def test_another_townships_person_cannot_be_revealed(areas, make_user, client_for, mother):
    client = client_for(make_user(areas["township_b"], "counter_clerk"))
    response = client.post(f"/registry/persons/{mother.pk}/reveal/", {"field": "id_number", "reason": "好奇"})
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="person.reveal_id").exists()


def test_other_apps_add_timeline_entries_through_their_app_config(
    areas, make_user, client_for, mother, monkeypatch
):
    from django.apps import apps

    config = apps.get_app_config("audit")
    monkeypatch.setattr(
        config,
        "person_timeline",
        lambda person, user: [
            {"date": datetime.date(2024, 2, 3), "title": "奖励扶助发放", "detail": "960元", "url": ""}
        ],
        raising=False,
    )
    page = client_for(make_user(areas["township_a"], "counter_clerk")).get(f"/registry/persons/{mother.pk}/")
    assert "奖励扶助发放" in page.content.decode() and "2024-02-03" in page.content.decode()
