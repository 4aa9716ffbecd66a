"""An inspection's photo is sealed at rest (SM4-GCM): the bytes on disk are not a picture and hold
none of it, and the photo page serves it back byte-identical to staff who may read outreach."""

from __future__ import annotations

import datetime
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from jisheng.core.actor import DEMO
from jisheng.outreach import services
from jisheng.outreach.models import Project

TODAY = datetime.date.today()
PNG = b"\x89PNG\r\n\x1a\n" + b"IHDR" + bytes(range(256)) * 300


def test_an_inspection_photo_is_sealed_on_disk_and_served_byte_identical(
    areas, make_user, client_for, django_capture_on_commit_callbacks
):
    services.need_submit(
        by=DEMO,
        area=areas["village_a"],
        year=TODAY.year,
        kind="service_room",
        title="村服务室改造",
        cost="30000",
        urgency=9,
    )
    services.allocation_run(by=DEMO, county=areas["county"], year=TODAY.year, budget="50000")
    project = Project.objects.get(title="村服务室改造")
    with django_capture_on_commit_callbacks(execute=True):
        inspection = services.inspection_record(
            by=DEMO,
            project=project,
            inspected_on=TODAY,
            verdict="defects",
            findings="墙面未刷",
            photo=SimpleUploadedFile("p.png", PNG),
        )
    raw = (Path(settings.MEDIA_ROOT) / inspection.photo).read_bytes()
    assert raw.startswith(b"JSF2") and not raw.startswith(b"\x89PNG") and bytes(range(256)) not in raw
    response = client_for(make_user(areas["county"], "county_staff")).get(
        f"/outreach/inspections/{inspection.pk}/photo/"
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
