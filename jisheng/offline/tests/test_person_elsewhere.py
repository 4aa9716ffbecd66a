"""A person who is not in the phone's copy of the village (a spouse from another village): looked up
online by full ID number among those the user may see, masked and audited as a disclosure; or entered
offline by ID number and name and matched by the server on upload, refused in Chinese when nobody
matches."""

from __future__ import annotations

import datetime
import json
import uuid
from typing import Any

import pytest

from jisheng.audit.models import AuditEvent
from jisheng.registry.models import Marriage
from tests.factories import make_id, make_person

API = "/api/v1/offline"


@pytest.fixture
def people(areas: dict[str, Any], make_user: Any, client_for: Any) -> dict[str, Any]:
    officer = make_user(areas["village_a"], "village_officer", username="cungan")
    head = make_user(areas["township_a"], "township_head", username="zhenzhang")
    bride = make_person(area=areas["village_a"], name="刘桂芝", sex="2", birth=datetime.date(1995, 5, 5))
    groom = make_person(area=areas["village_a2"], name="李建军", sex="1", birth=datetime.date(1993, 3, 3))
    stranger = make_person(area=areas["village_b"], name="外镇人", sex="1", birth=datetime.date(1990, 1, 1))
    return {
        "officer": client_for(officer),
        "head": client_for(head),
        "bride": bride,
        "groom": groom,
        "stranger": stranger,
    }


def marriage(client: Any, wife: Any, husband: Any) -> Any:
    body = {
        "client_id": str(uuid.uuid4()),
        "kind": "marriage",
        "payload": {"wife": wife, "husband": husband, "date": "2025-10-01"},
    }
    return client.post(f"{API}/records", data=json.dumps(body), content_type="application/json")


def test_a_look_up_by_full_id_shows_the_person_masked_and_is_audited_as_a_disclosure(
    people: dict[str, Any],
) -> None:
    groom = people["groom"]
    answer = people["head"].get(f"{API}/persons/lookup", {"id_number": groom.id_number.lower()})
    assert answer.status_code == 200
    person = answer.json()["person"]
    assert person["id"] == groom.pk and person["name"] == "李建军" and person["elsewhere"] is True
    assert person["area"]["name"] == "李楼村"
    assert groom.id_number not in answer.content.decode() and person["id_masked"].endswith(
        groom.id_number[-4:]
    )
    assert groom.phone not in answer.content.decode()
    event = AuditEvent.objects.get(action="disclosure.offline_person_lookup")
    assert event.object_id == str(groom.pk) and event.after["count"] == 1
    assert groom.id_number not in json.dumps(event.after)


def test_a_look_up_outside_the_users_area_finds_nobody_and_is_audited_too(people: dict[str, Any]) -> None:
    answer = people["head"].get(f"{API}/persons/lookup", {"id_number": people["stranger"].id_number})
    assert answer.status_code == 404 and "辖区" in answer.json()["detail"]
    # A village officer sees their own village only, as on the server's pages.
    answer = people["officer"].get(f"{API}/persons/lookup", {"id_number": people["groom"].id_number})
    assert answer.status_code == 404
    events = AuditEvent.objects.filter(action="disclosure.offline_person_lookup")
    assert [event.after["count"] for event in events] == [0, 0]


def test_a_look_up_with_a_wrong_check_digit_is_refused_in_chinese(people: dict[str, Any]) -> None:
    number = people["groom"].id_number
    wrong = number[:-1] + ("1" if number[-1] != "1" else "2")
    answer = people["head"].get(f"{API}/persons/lookup", {"id_number": wrong})
    assert answer.status_code == 400 and "校验" in answer.json()["detail"]


def test_a_spouse_picked_by_a_look_up_is_recorded_by_their_id(people: dict[str, Any]) -> None:
    answer = marriage(people["head"], people["bride"].pk, people["groom"].pk)
    assert answer.status_code == 200, answer.content
    assert Marriage.objects.filter(wife=people["bride"], husband=people["groom"]).count() == 1


def test_a_spouse_entered_offline_by_id_and_name_is_matched_on_upload(people: dict[str, Any]) -> None:
    groom = people["groom"]
    answer = marriage(people["head"], people["bride"].pk, {"id_number": groom.id_number, "name": " 李建军 "})
    assert answer.status_code == 200, answer.content
    assert Marriage.objects.get().husband == groom


def test_a_spouse_entered_offline_who_cannot_be_matched_is_refused_with_the_reason(
    people: dict[str, Any],
) -> None:
    groom = people["groom"]
    wrong_name = marriage(
        people["head"], people["bride"].pk, {"id_number": groom.id_number, "name": "李建民"}
    )
    assert wrong_name.status_code == 400
    error = wrong_name.json()["body"]["errors"][0]
    assert error["field"] == "husband" and "李建民" in error["message"] and "辖区" in error["message"]
    assert groom.id_number not in error["message"]

    unknown = make_id(datetime.date(1991, 2, 2), "1")
    nobody = marriage(people["head"], people["bride"].pk, {"id_number": unknown, "name": "李建军"})
    assert nobody.status_code == 400 and nobody.json()["body"]["errors"][0]["field"] == "husband"

    number = groom.id_number
    typo = marriage(
        people["head"],
        people["bride"].pk,
        {"id_number": number[:-1] + ("1" if number[-1] != "1" else "2"), "name": "李建军"},
    )
    assert typo.status_code == 400 and "校验" in typo.json()["body"]["errors"][0]["message"]

    # Another township's person is not matched, even with the right ID and name.
    stranger = people["stranger"]
    elsewhere = marriage(
        people["officer"], people["bride"].pk, {"id_number": stranger.id_number, "name": stranger.name}
    )
    assert elsewhere.status_code == 400 and elsewhere.json()["body"]["errors"][0]["field"] == "husband"
    assert Marriage.objects.count() == 0
