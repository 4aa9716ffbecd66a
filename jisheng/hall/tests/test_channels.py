"""Applications from every channel get a number, an owner and a receipt saying what was received and by when."""

from __future__ import annotations

import base64
import subprocess
from typing import Any

from jisheng.hall import services
from jisheng.hall.models import Application, Handover
from jisheng.hall.pdfs import notice_pdf, receipt_pdf
from tests.factories import A_RESIDENT

from .conftest import PDF, PHONE


def _text(pdf: bytes, tmp_path: Any) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_a_village_officer_applies_by_proxy_and_the_case_goes_to_the_clerk_on_duty(
    catalogue, resident, staff
) -> None:
    application = services.application_submit(
        item=catalogue["migrant-marital-certificate"],
        person=resident,
        channel="proxy",
        phone=PHONE,
        by=staff["village"],
        received_materials=["photo"],
    )
    assert application.first_receiver == staff["village"] and application.owner == staff["clerk"]
    assert Handover.objects.get(application=application).to_user == staff["clerk"]


def test_a_home_visit_by_a_clerk_is_owned_by_that_clerk(catalogue, resident, staff) -> None:
    application = services.application_submit(
        item=catalogue["birth-registration"],
        person=resident,
        channel="home_visit",
        phone=PHONE,
        by=staff["clerk2"],
    )
    assert application.owner == staff["clerk2"] and application.channel == "home_visit"


def test_an_item_outside_its_effective_dates_cannot_be_applied_for(catalogue, resident, staff) -> None:
    import pytest
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="有效期"):
        services.application_submit(
            item=catalogue["additional-birth-approval"],
            person=resident,
            channel="counter",
            phone=PHONE,
            by=staff["clerk"],
        )


def test_the_receipt_says_what_was_received_and_by_when(catalogue, resident, staff, tmp_path) -> None:
    application = services.application_submit(
        item=catalogue["birth-registration"],
        person=resident,
        channel="counter",
        phone=PHONE,
        by=staff["clerk"],
        received_materials=["registration-form"],
    )
    text = _text(receipt_pdf(application), tmp_path)
    assert "受理回执" in text and application.number in text and "人口信息库核验" in text
    assert f"{application.due_on:%Y年%-m月%-d日}" in text


def test_the_notice_pdf_lists_every_problem(catalogue, resident, staff, tmp_path) -> None:
    application = services.application_submit(
        item=catalogue["birth-registration"],
        person=resident,
        channel="online",
        phone=PHONE,
        by=A_RESIDENT,
        fetch_from_registry=False,
    )
    notice = services.notice_issue(
        application=application,
        problems=[{"code": "registration-form"}, {"code": "hukou", "problem": "复印不清"}],
        by=staff["clerk"],
    )
    text = _text(notice_pdf(notice), tmp_path)
    assert "一次性告知书" in text and "生育登记表" in text and "复印不清" in text


def test_the_api_submits_with_materials_decides_and_returns_the_certificate(
    catalogue, resident, staff, client_for
) -> None:
    client = client_for(staff["clerk"])
    response = client.post(
        "/api/v1/hall/applications",
        {
            "item": "birth-registration",
            "id_number": resident.id_number,
            "phone": PHONE,
            "channel": "counter",
            "materials": [
                {
                    "code": "registration-form",
                    "filename": "form.pdf",
                    "content_base64": base64.b64encode(PDF).decode(),
                }
            ],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    case_id = response.json()["id"]
    assert (
        client.post(
            f"/api/v1/hall/applications/{case_id}/approve", {}, content_type="application/json"
        ).status_code
        == 200
    )
    assert client.get(f"/api/v1/hall/applications/{case_id}/certificate")["Content-Type"] == "application/pdf"
    assert client.get(f"/api/v1/hall/applications/{case_id}/receipt")["Content-Type"] == "application/pdf"
    assert Application.objects.get(pk=case_id).certificate is not None


def test_the_api_issues_and_lists_notices(catalogue, resident, staff, client_for) -> None:
    client = client_for(staff["clerk"])
    application = services.application_submit(
        item=catalogue["birth-registration"], person=resident, channel="online", phone=PHONE, by=A_RESIDENT
    )
    response = client.post(
        f"/api/v1/hall/applications/{application.pk}/notice",
        {"problems": [{"code": "registration-form"}]},
        content_type="application/json",
    )
    assert response.status_code == 200
    notices = client.get(f"/api/v1/hall/applications/{application.pk}/notices").json()
    assert notices[0]["problems"][0]["code"] == "registration-form"


def test_consultations_are_logged_and_the_commonest_questions_counted(catalogue, staff, client_for) -> None:
    from jisheng.hall.models import QaEntry

    entry = QaEntry.objects.get(code="three-children")
    client = client_for(staff["clerk"])
    for _ in range(2):
        client.post("/hall/consultations/", {"asker": "张女士", "entry": entry.pk})
    client.post(
        "/hall/consultations/", {"asker": "李先生", "question": "婚假几天？", "answer": "按省条例执行"}
    )
    page = client.get("/hall/consultations/").content.decode()
    assert f"{entry.question}: 2" in page


def test_the_policy_questions_are_searchable_in_chinese(client, catalogue) -> None:
    page = client.get("/portal/questions/", {"q": "流动人口"}).content.decode()
    assert "流动人口婚育证明" in page and "一对夫妻可以生育三个子女" not in page
