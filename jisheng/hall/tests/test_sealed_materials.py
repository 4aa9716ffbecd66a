"""A submitted photo or PDF is sealed at rest (SM4-GCM) by the file storage: the bytes on disk are not a
PDF or a JPEG and hold none of it, and the case page serves it back byte-identical."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from jisheng.hall import services
from tests.factories import A_RESIDENT

from .conftest import PHONE

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + "签名 411723199203154526".encode() + bytes(range(256)) * 400


def test_a_submitted_photo_is_sealed_on_disk_and_served_byte_identical(
    catalogue, resident, staff, client_for, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        application = services.application_submit(
            item=catalogue["birth-registration"],
            person=resident,
            channel="online",
            phone=PHONE,
            by=A_RESIDENT,
            uploads=[services.Upload(material_code="registration-form", name="登记表.jpg", content=JPEG)],
        )
    submitted = application.files.get()
    raw = (Path(settings.MEDIA_ROOT) / submitted.file.name).read_bytes()
    assert raw.startswith(b"JSF2") and not raw.startswith(b"\xff\xd8")
    assert b"411723199203154526" not in raw and bytes(range(256)) not in raw
    response = client_for(staff["clerk"]).get(f"/hall/cases/{application.pk}/files/{submitted.pk}")
    assert response.status_code == 200
    assert response.content == JPEG
    assert response["Content-Type"] == "image/jpeg"
