"""The offline app's API: a scoped, masked, incremental download; each outbox record applied once;
refusals naming the field in Chinese; conflicts answered with the server's values, decided and audited."""

from __future__ import annotations

import base64
import datetime
import io
import json
import uuid
from typing import Any

import pytest

from jisheng.audit.models import AuditEvent
from jisheng.offline.models import AppliedRecord
from jisheng.registry.models import Birth, Person
from tests.factories import SETUP, make_id, make_person

API = "/api/v1/offline"


@pytest.fixture
def village(areas: dict[str, Any], make_user: Any, client_for: Any) -> dict[str, Any]:
    officer = make_user(areas["village_a"], "village_officer", username="cungan", full_name="王村干")
    head = make_user(areas["township_a"], "township_head", username="zhenzhang")
    mother = make_person(area=areas["village_a"], name="刘桂芝", sex="2", birth=datetime.date(1990, 5, 5))
    Person.objects.filter(pk=mother.pk).update(phone="13800138000")
    neighbour = make_person(area=areas["village_a"], name="张三", sex="1", birth=datetime.date(1988, 1, 2))
    elsewhere = make_person(area=areas["village_b"], name="外镇人", sex="1", birth=datetime.date(1980, 1, 1))
    return {
        "officer": officer,
        "head": head,
        "client": client_for(officer),
        "mother": mother,
        "neighbour": neighbour,
        "elsewhere": elsewhere,
    }


def post(client: Any, path: str, body: dict[str, Any]) -> Any:
    return client.post(f"{API}{path}", data=json.dumps(body, default=str), content_type="application/json")


def send(client: Any, kind: str, payload: dict[str, Any], client_id: str | None = None, **extra: Any) -> Any:
    return post(
        client,
        "/records",
        {"client_id": client_id or str(uuid.uuid4()), "kind": kind, "payload": payload, **extra},
    )


def birth_payload(mother: Person, **changes: Any) -> dict[str, Any]:
    return {
        "mother": mother.pk,
        "date": (datetime.date.today() - datetime.timedelta(days=3)).isoformat(),
        "sex": "1",
        "child_name": "刘小宝",
        **changes,
    }


def test_the_download_holds_the_officers_village_only_with_masked_ids_and_search_keys(village):
    answer = village["client"].get(f"{API}/village").json()
    by_name = {person["name"]: person for person in answer["persons"]}
    assert set(by_name) == {"刘桂芝", "张三"}
    mother = by_name["刘桂芝"]
    assert "*" in mother["id_masked"] and mother["id_masked"] != village["mother"].id_number
    assert mother["phone_masked"] == "138****8000"
    assert "lgz" in mother["keys"] and "zhangsan" in by_name["张三"]["keys"]
    assert village["mother"].id_number not in json.dumps(answer)
    assert answer["village"]["code"] == village["mother"].residence_area_id


def test_an_incremental_sync_sends_only_what_changed_and_removes_what_left(village, areas):
    from jisheng.registry import services as registry

    first = village["client"].get(f"{API}/village").json()
    known = {"persons": {str(p["id"]): p["v"] for p in first["persons"]}, "households": {}}
    again = post(village["client"], "/sync", {"cursor": first["cursor"], "known": known}).json()
    assert again["unchanged"] and again["persons"] == []

    # The township edits one person (the registry's service) and another moves away.
    registry.person_update(person=village["mother"], changes={"address": "王庄村东头"}, by=village["head"])
    registry.person_move(
        person=village["neighbour"],
        to_area=areas["village_a2"],
        date=datetime.date.today(),
        by=village["head"],
    )
    later = post(village["client"], "/sync", {"cursor": first["cursor"], "known": known}).json()
    assert not later["unchanged"]
    assert [p["name"] for p in later["persons"]] == ["刘桂芝"]
    assert later["persons"][0]["address"] == "王庄村东头"
    assert later["removed"]["persons"] == [village["neighbour"].pk]


def test_an_incremental_sync_sees_a_change_made_without_the_updated_at_column(village):
    first = village["client"].get(f"{API}/village").json()
    known = {"persons": {str(p["id"]): p["v"] for p in first["persons"]}}
    Person.objects.filter(pk=village["mother"].pk).update(marital_status="21")  # as marriage_record does
    later = post(village["client"], "/sync", {"cursor": first["cursor"], "known": known}).json()
    assert [p["marital_status"] for p in later["persons"]] == ["21"]


def test_a_birth_sent_twice_is_recorded_once_and_answered_with_the_first_result(village):
    client_id = str(uuid.uuid4())
    payload = birth_payload(village["mother"])
    first = send(village["client"], "birth", payload, client_id, captured_at="2026-01-01T08:00:00+08:00")
    second = send(village["client"], "birth", payload, client_id, captured_at="2026-01-01T08:00:00+08:00")
    assert first.status_code == second.status_code == 200
    assert first.json()["body"] == second.json()["body"] and second.json()["replayed"]
    assert Birth.objects.filter(mother=village["mother"]).count() == 1
    assert AppliedRecord.objects.get().captured_at is not None
    assert AuditEvent.objects.filter(action="registry.birth_record").count() == 1
    assert village["client"].get(f"{API}/records/{client_id}").json()["body"] == first.json()["body"]


def test_the_same_client_id_with_another_record_is_refused(village):
    client_id = str(uuid.uuid4())
    assert send(village["client"], "birth", birth_payload(village["mother"]), client_id).status_code == 200
    other = send(village["client"], "birth", birth_payload(village["mother"], child_name="刘二宝"), client_id)
    assert other.status_code == 400 and other.json()["body"]["errors"][0]["field"] == "client_id"
    assert Birth.objects.count() == 1


def test_a_wrong_check_digit_is_refused_in_chinese_naming_the_field_and_the_corrected_record_goes_through(
    village,
):
    client_id = str(uuid.uuid4())
    birth = datetime.date.today() - datetime.timedelta(days=3)
    good = make_id(birth, "1")
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    refused = send(
        village["client"], "birth", birth_payload(village["mother"], child_id_number=wrong), client_id
    )
    assert refused.status_code == 400
    error = refused.json()["body"]["errors"][0]
    assert (
        error["field"] == "child_id_number"
        and "公民身份号码" in error["message"]
        and "校验" in error["message"]
    )
    assert Birth.objects.count() == 0 and not AppliedRecord.objects.exists()

    corrected = send(
        village["client"], "birth", birth_payload(village["mother"], child_id_number=good), client_id
    )
    assert corrected.status_code == 200
    assert Person.objects.get(id_number=good).name == "刘小宝"


def test_an_edit_on_a_stale_copy_is_a_conflict_with_the_servers_values_then_kept_or_dropped_and_audited(
    village,
):
    from jisheng.registry import services as registry

    copy = {p["id"]: p for p in village["client"].get(f"{API}/village").json()["persons"]}
    mother = copy[village["mother"].pk]
    registry.person_update(person=village["mother"], changes={"address": "乡里改的地址"}, by=village["head"])

    client_id = str(uuid.uuid4())
    edit = {"person": mother["id"], "base_version": mother["v"], "changes": {"address": "村干部改的地址"}}
    conflict = send(village["client"], "person_update", edit, client_id)
    assert conflict.status_code == 409
    body = conflict.json()["body"]
    assert body["server"]["address"] == "乡里改的地址" and body["server_version"] != mother["v"]
    village["mother"].refresh_from_db()
    assert village["mother"].address == "乡里改的地址"  # nothing overwritten without the decision

    # Keep mine: the same record again, on the server's version, with the decision.
    kept = send(
        village["client"],
        "person_update",
        {**edit, "base_version": body["server_version"], "resolution": "mine"},
        client_id,
    )
    assert kept.status_code == 200
    village["mother"].refresh_from_db()
    assert village["mother"].address == "村干部改的地址"
    assert AuditEvent.objects.filter(action="offline.conflict_keep_mine").count() == 1

    # Take theirs on another conflict: recorded, nothing changed.
    decided = post(
        village["client"],
        "/decisions",
        {
            "client_id": str(uuid.uuid4()),
            "person": mother["id"],
            "server_version": "x",
            "fields": ["address"],
        },
    )
    assert decided.status_code == 204
    assert AuditEvent.objects.filter(action="offline.conflict_take_theirs").count() == 1


def test_a_person_of_another_township_can_be_neither_read_nor_changed(village):
    answer = send(
        village["client"],
        "contraception",
        {"person": village["elsewhere"].pk, "method": "400", "start_date": "2025-01-01"},
    )
    assert answer.status_code == 400 and "辖区" in answer.json()["body"]["errors"][0]["message"]
    assert (
        village["client"]
        .get(f"{API}/village", {"village": village["elsewhere"].residence_area_id})
        .status_code
        == 400
    )


def test_a_proxy_application_starts_its_clock_on_receipt_and_keeps_the_capture_time(
    village, areas, make_user
):
    from PIL import Image

    from jisheng.hall import services as hall
    from jisheng.hall.models import Application

    hall.catalogue_load(by=SETUP)
    clerk = make_user(areas["township_a"], "counter_clerk", username="clerk")
    clerk2 = make_user(areas["township_a"], "counter_clerk", username="clerk2")
    hall.post_create(office=areas["township_a"], name="综合受理岗", holder_a=clerk, holder_b=clerk2, by=SETUP)
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "JPEG")
    photo = {
        "material": "registration-form",
        "name": "form.jpg",
        "content_base64": base64.b64encode(out.getvalue()).decode(),
    }
    captured = "2026-01-01T08:00:00+08:00"
    answer = send(
        village["client"],
        "proxy_application",
        {
            "item": "birth-registration",
            "person": village["mother"].pk,
            "phone": "13800138000",
            "photos": [photo],
        },
        captured_at=captured,
    )
    assert answer.status_code == 200, answer.json()
    case = Application.objects.get()
    assert case.channel == "proxy" and case.files.count() == 1
    assert case.received_at.date() != datetime.date(2026, 1, 1)
    assert case.details["现场采集时间"] == "2026-01-01 08:00"


def test_the_offline_operations_are_in_the_openapi_document(village):
    schema = village["client"].get("/api/v1/openapi.json").json()
    paths = [path for path in schema["paths"] if path.startswith(API)]
    assert {f"{API}/village", f"{API}/sync", f"{API}/records", f"{API}/decisions"} <= set(paths)
    assert "409" in schema["paths"][f"{API}/records"]["post"]["responses"]


def test_a_visit_goes_through_outreach_once_and_its_refusals_name_the_field(village, areas):
    from jisheng.outreach.models import Visit
    from jisheng.registry import services as registry

    household = registry.household_create(
        by=village["head"], number="411723101201001", area=areas["village_a"]
    )
    payload = {
        "household": household.pk,
        "visited_on": datetime.date.today().isoformat(),
        "met": "刘桂芝",
        "asked": "想了解奖励扶助",
        "promised": "下周答复",
    }
    client_id = str(uuid.uuid4())
    first = send(village["client"], "visit", payload, client_id)
    again = send(village["client"], "visit", payload, client_id)
    assert first.status_code == again.status_code == 200, first.json()
    assert Visit.objects.count() == 1

    late = {**payload, "follow_up_due": (datetime.date.today() - datetime.timedelta(days=9)).isoformat()}
    refused = send(village["client"], "visit", late)
    assert refused.status_code == 400
    error = refused.json()["body"]["errors"][0]
    assert error["field"] == "follow_up_due" and error["message"].startswith("回访期限")


def test_a_departure_goes_through_the_floating_population_service_with_its_four_items(village):
    from jisheng.migrants.models import Departure

    payload = {
        "person": village["neighbour"].pk,
        "destination": "440300 深圳市",
        "left_on": datetime.date.today().isoformat(),
        "reason": "work",
        "contact_phone": "13900139000",
        "contraception": "000",
        "agreement_signed": "1",
    }
    client_id = str(uuid.uuid4())
    first = send(village["client"], "departure", payload, client_id)
    again = send(village["client"], "departure", payload, client_id)
    assert first.status_code == again.status_code == 200, first.json()
    departure = Departure.objects.get()
    assert departure.contact_phone == "13900139000" and departure.agreement_signed_on is not None
    village["neighbour"].refresh_from_db()
    assert village["neighbour"].status == "away"

    future = {**payload, "person": village["mother"].pk, "left_on": "2999-01-01"}
    refused = send(village["client"], "departure", future)
    assert refused.status_code == 400 and "外出日期" in refused.json()["body"]["errors"][0]["message"]
