"""Staff see a case's photos and PDFs in the browser (scoped, never cached, audited), and a village
officer's proxy application carries the signed form's photo and the online time limit."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from jisheng.audit.models import AuditEvent
from jisheng.hall.models import Application, Channel
from tests.factories import A_RESIDENT

from .conftest import PDF, PHONE, make_person

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00signed form"


def _online_with_file(catalogue: Any, person: Any, capture: Any) -> Application:
    from jisheng.hall import services

    with capture(execute=True):
        return services.application_submit(
            item=catalogue["birth-registration"],
            person=person,
            channel="online",
            phone=PHONE,
            by=A_RESIDENT,
            uploads=[services.Upload(material_code="registration-form", name="登记表.pdf", content=PDF)],
        )


def test_a_clerk_opens_a_submitted_pdf_inline_never_cached_and_the_reading_is_audited(
    catalogue, resident, staff, client_for, django_capture_on_commit_callbacks
) -> None:
    application = _online_with_file(catalogue, resident, django_capture_on_commit_callbacks)
    submitted = application.files.get()
    clerk = client_for(staff["clerk"])
    page = clerk.get(f"/hall/cases/{application.pk}/").content.decode()
    url = f"/hall/cases/{application.pk}/files/{submitted.pk}"
    assert url in page
    response = clerk.get(url)
    assert response.status_code == 200
    assert response.content == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.filter(action="disclosure.case_material").get()
    assert event.actor_username == "clerk" and event.after["file"] == submitted.pk


def test_a_file_of_another_township_or_another_case_is_not_found(
    catalogue, areas, resident, staff, make_user, client_for, django_capture_on_commit_callbacks
) -> None:
    application = _online_with_file(catalogue, resident, django_capture_on_commit_callbacks)
    submitted = application.files.get()
    stranger = client_for(make_user(areas["township_b"], "counter_clerk", username="sheqiao"))
    assert stranger.get(f"/hall/cases/{application.pk}/files/{submitted.pk}").status_code == 404
    other = _online_with_file(
        catalogue,
        make_person(areas["village_a"], name="李秀英", id_number="41172319900101002X"),
        django_capture_on_commit_callbacks,
    )
    clerk = client_for(staff["clerk"])
    assert clerk.get(f"/hall/cases/{other.pk}/files/{submitted.pk}").status_code == 404
    assert not AuditEvent.objects.filter(action="disclosure.case_material").exists()


def test_a_village_officer_proxies_with_the_signed_forms_photo_and_gets_the_online_limit(
    catalogue, resident, staff, client_for, django_capture_on_commit_callbacks
) -> None:
    officer = client_for(staff["village"])
    form = officer.get("/hall/new/birth-registration/").content.decode()
    assert 'name="m-registration-form"' in form and 'accept="image/*" capture' in form
    with django_capture_on_commit_callbacks(execute=True):
        response = officer.post(
            "/hall/new/birth-registration/",
            {
                "id_number": resident.id_number,
                "phone": PHONE,
                "channel": "proxy",
                "received": ["registration-form"],
                "m-registration-form": SimpleUploadedFile("IMG_0001.jpg", JPEG, "image/jpeg"),
            },
        )
    assert response.status_code == 302, response.content.decode()[:1500]
    application = Application.objects.get()
    assert application.channel == Channel.PROXY
    item = catalogue["birth-registration"]
    assert item.time_limit_counter == 0 and application.time_limit == item.time_limit_online == 3
    assert application.due_on > application.accepted_on
    photo = application.files.get()
    assert photo.content_type == "image/jpeg"
    clerk_page = client_for(staff["clerk"]).get(f"/hall/cases/{application.pk}/").content.decode()
    assert f'<img src="/hall/cases/{application.pk}/files/{photo.pk}"' in clerk_page
    shown = client_for(staff["clerk"]).get(f"/hall/cases/{application.pk}/files/{photo.pk}")
    assert shown.content == JPEG and shown["Content-Type"] == "image/jpeg"


def test_a_proxy_form_with_a_file_that_is_not_a_photo_keeps_the_values_and_says_why(
    catalogue, resident, staff, client_for
) -> None:
    response = client_for(staff["village"]).post(
        "/hall/new/birth-registration/",
        {
            "id_number": resident.id_number,
            "phone": PHONE,
            "channel": "proxy",
            "m-registration-form": SimpleUploadedFile("form.txt", b"hello", "text/plain"),
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and not Application.objects.exists()
    assert "form.txt" in page and resident.id_number in page


def test_the_counter_keeps_its_same_day_limit(catalogue, resident, staff) -> None:
    from jisheng.hall import services

    application = services.application_submit(
        item=catalogue["birth-registration"],
        person=resident,
        channel="counter",
        phone=PHONE,
        by=staff["clerk"],
    )
    assert application.time_limit == 0 and application.due_on == application.accepted_on
