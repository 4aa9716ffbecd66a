"""The staff pages and the portal call the same services; 无条件受理 holds in the page and the API too."""

from __future__ import annotations

from typing import Any

from jisheng.hall.models import Application, ApplicationStatus
from tests.factories import A_RESIDENT, SETUP

from .conftest import PDF, PHONE


def _apply_online(client: Any, resident: Any, **files: Any) -> Application:
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"name": resident.name, "id_number": resident.id_number, "phone": PHONE}
    for code, content in files.items():
        data[f"m-{code}"] = SimpleUploadedFile(f"{code}.pdf", content, "application/pdf")
    response = client.post("/portal/items/birth-registration/apply", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Application.objects.latest("id")


def test_the_portal_lists_items_and_prints_a_service_guide(client, catalogue) -> None:
    assert "生育登记" in client.get("/portal/").content.decode()
    guide = client.get("/portal/items/migrant-marital-certificate/").content.decode()
    assert "流动人口计划生育工作条例" in guide and "本人居民身份证" in guide


def test_a_resident_applies_online_and_follows_the_case_by_number_and_phone(
    client, catalogue, resident, staff
) -> None:
    application = _apply_online(client, resident, **{"registration-form": PDF})
    assert application.channel == "online" and application.files.count() == 1
    from django.test import Client

    stranger = Client()
    assert stranger.get(f"/portal/track/{application.number}/").status_code == 404
    stranger.post("/portal/track/", {"number": application.number, "phone": PHONE})
    page = stranger.get(f"/portal/track/{application.number}/").content.decode()
    assert application.number in page
    assert stranger.get(f"/portal/track/{application.number}/receipt")["Content-Type"] == "application/pdf"


def test_identity_check_refuses_a_name_that_does_not_match(client, catalogue, resident, staff) -> None:
    response = client.post(
        "/portal/items/birth-registration/apply",
        {"name": "李四", "id_number": resident.id_number, "phone": PHONE},
    )
    assert "身份核验未通过" in response.content.decode()
    assert not Application.objects.exists()


def test_the_migrant_certificate_cannot_be_declined_through_the_page_or_the_api(
    catalogue, resident, staff, client_for
) -> None:
    from jisheng.hall import services

    application = services.application_submit(
        item=catalogue["migrant-marital-certificate"],
        person=resident,
        channel="online",
        phone=PHONE,
        by=A_RESIDENT,
    )
    clerk = client_for(staff["clerk"])
    page = clerk.get(f"/hall/cases/{application.pk}/").content.decode()
    assert "/decline" not in page
    clerk.post(f"/hall/cases/{application.pk}/decline", {"reason": "材料不全", "rule": "无"})
    response = clerk.post(
        f"/api/v1/hall/applications/{application.pk}/decline",
        {"reason": "材料不全", "rule": "无"},
        content_type="application/json",
    )
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RECEIVED


def test_the_township_head_and_the_auditor_see_accountability_records(
    catalogue, resident, staff, client_for
) -> None:
    import datetime

    from jisheng.hall import services

    application = services.application_submit(
        item=catalogue["birth-registration"], person=resident, channel="online", phone=PHONE, by=A_RESIDENT
    )
    assert application.due_on is not None
    services.deadline_sweep(today=application.due_on + datetime.timedelta(days=7), by=SETUP)
    for who in ("head", "auditor"):
        assert application.number in client_for(staff[who]).get("/hall/accountability/").content.decode()
    assert client_for(staff["clerk"]).get("/hall/accountability/").status_code == 403


def test_marking_a_absent_on_the_posts_page_moves_the_cases(catalogue, resident, staff, client_for) -> None:
    from jisheng.hall import services

    application = services.application_submit(
        item=catalogue["birth-registration"], person=resident, channel="online", phone=PHONE, by=A_RESIDENT
    )
    client_for(staff["clerk2"]).post("/hall/posts/", {"post": staff["post"].pk, "absent": "1"})
    application.refresh_from_db()
    assert application.owner == staff["clerk2"]


def test_a_technical_service_is_booked_online_for_a_later_day(client, catalogue, resident, staff) -> None:
    import datetime

    data = {"name": resident.name, "id_number": resident.id_number, "phone": PHONE}
    refused = client.post("/portal/items/pre-pregnancy-check/apply", data)
    assert "预约日期" in refused.content.decode() and not Application.objects.exists()
    day = (datetime.date.today() + datetime.timedelta(days=7)).isoformat()
    client.post("/portal/items/pre-pregnancy-check/apply", {**data, "preferred_date": day})
    assert Application.objects.get().details == {"预约日期": day}
