"""The API: record a matter, accept and answer it; refusals are JSON with the reason; other areas are 404."""

from __future__ import annotations

import json

from .conftest import receive


def test_a_matter_is_recorded_accepted_and_replied_through_the_api(areas, staff, client_for) -> None:
    client = client_for(staff["clerk"])
    created = client.post(
        "/api/v1/petitions/matters",
        json.dumps(
            {
                "area": areas["township_a"].code,
                "name": "王秀英",
                "phone": "13800138000",
                "kind": "petition",
                "channel": "letter",
                "field": "complications",
                "title": "节育手术后遗症",
                "facts": "要求鉴定。",
            }
        ),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    matter = created.json()
    assert matter["status"] == "received" and matter["number"].startswith("XF411723")
    accepted = client.post(f"/api/v1/petitions/matters/{matter['id']}/accept")
    assert accepted.json()["due_on"]
    refused = client.post(
        f"/api/v1/petitions/matters/{matter['id']}/reply",
        json.dumps({"opinion": "not_support", "reply": "不符合"}),
        content_type="application/json",
    )
    assert refused.status_code == 400 and "依据" in refused.json()["detail"]
    assert [row["number"] for row in client.get("/api/v1/petitions/mine").json()] == [matter["number"]]


def test_another_townships_matter_is_not_found(areas, staff, petitioner, client_for) -> None:
    matter = receive(petitioner, areas["township_a"], staff["clerk"])
    client = client_for(staff["other"])
    assert client.get(f"/api/v1/petitions/matters/{matter.pk}").status_code == 404
    assert client.post(f"/api/v1/petitions/matters/{matter.pk}/accept").status_code == 404
