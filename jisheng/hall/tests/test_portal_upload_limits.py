"""An anonymous portal application cannot store a hundred megabytes: files are bounded in number, per
file and in all, refused with a Chinese reason while they stream in, and nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jisheng.hall.models import Application

from .conftest import PHONE

MB = 1024 * 1024


def pdf(name: str, size: int) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n" + b"0" * (size - 9), "application/pdf")


def post(client: Client, resident: Any, files: list[SimpleUploadedFile]) -> str:
    data: dict[str, Any] = {"name": resident.name, "id_number": resident.id_number, "phone": PHONE}
    data["m-registration-form"] = files
    response = client.post("/portal/items/birth-registration/apply", data)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def no_stored_files(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    yield
    assert not Application.objects.exists()
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").rglob("*.*"))


def test_twelve_files_in_one_application_are_refused(client, catalogue, resident, staff, no_stored_files):
    page = post(client, resident, [pdf(f"{n}.pdf", MB) for n in range(12)])
    assert "未提交" in page and "一次最多只能上传 10 个文件" in page


def test_files_larger_together_than_the_limit_are_refused(
    client, catalogue, resident, staff, no_stored_files
):
    page = post(client, resident, [pdf(f"{n}.pdf", 9 * MB) for n in range(4)])
    assert "文件合计超过 30 MB" in page


def test_one_file_larger_than_the_limit_is_refused_by_name(
    client, catalogue, resident, staff, no_stored_files
):
    page = post(client, resident, [pdf("户口本.pdf", 11 * MB)])
    assert "文件“户口本.pdf”超过 10 MB" in page


def test_the_form_keeps_what_was_typed_when_files_are_refused(
    client, catalogue, resident, staff, no_stored_files
):
    page = post(client, resident, [pdf(f"{n}.pdf", MB) for n in range(12)])
    assert resident.id_number in page and PHONE in page


def test_the_bounded_form_still_checks_its_csrf_token(catalogue, resident, staff):
    guarded = Client(enforce_csrf_checks=True)
    response = guarded.post(
        "/portal/items/birth-registration/apply",
        {"name": resident.name, "id_number": resident.id_number, "phone": PHONE},
    )
    assert response.status_code == 403 and not Application.objects.exists()


def test_a_form_sent_url_encoded_is_answered_like_one_sent_with_files(client, catalogue, resident, staff):
    # No file can come this way; a middleware reads such a form before the view (its idempotency
    # field), and the view's upload limits must not then fail (it was a server error).
    from urllib.parse import urlencode

    body = urlencode({"name": resident.name, "id_number": resident.id_number, "phone": PHONE})
    response = client.post(
        "/portal/items/birth-registration/apply", body, content_type="application/x-www-form-urlencoded"
    )

    case = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/portal/track/{case.number}/"
