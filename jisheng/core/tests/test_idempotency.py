"""A keyed write runs once: the API's Idempotency-Key header and a form's hidden key.

The same key from the same caller with the same body gets the first response again and changes
nothing; the same key with another body is refused with 409 in Chinese; another caller's key is
its own; a refused request releases its key; keys expire after a day.
"""

import datetime
from typing import Any

import pytest
from django.utils import timezone

from jisheng.audit.models import AuditEvent
from jisheng.core.models import IdempotencyKey
from jisheng.hall.models import Application
from jisheng.hall.tests.conftest import catalogue, fresh_calendar, make_person, staff  # noqa: F401
from jisheng.registry.models import Person
from tests.factories import make_id

PHONE = "13800138000"
SUBMIT = "/api/v1/hall/applications"
RESIDENT = "411723199203154526"  # the clerk fixture's resident


def submit(client: Any, key: str | None, phone: str = PHONE, id_number: str = RESIDENT) -> Any:
    """Apply for birth registration through the API, with ``key`` as the Idempotency-Key (none if None)."""
    return client.post(
        SUBMIT,
        {"item": "birth-registration", "id_number": id_number, "phone": phone},
        content_type="application/json",
        headers={"Idempotency-Key": key} if key is not None else {},
    )


def another_resident(areas: Any, name: str) -> str:
    """A further resident of the clerk's village, for a second application that is really another one:
    the hall keeps one open application per person and service item."""
    person = make_person(areas["village_a"], name=name, id_number=make_id(datetime.date(1992, 3, 15), "2"))
    return person.id_number


@pytest.fixture
def clerk(areas: Any, staff: Any, client_for: Any) -> Any:  # noqa: F811
    make_person(areas["village_a"])
    return client_for(staff["clerk"])


def test_an_api_write_sent_twice_with_one_key_has_one_effect_and_the_same_answer(catalogue, clerk):  # noqa: F811
    first = submit(clerk, "key-1")
    events = AuditEvent.objects.count()
    again = submit(clerk, "key-1")
    assert first.status_code == 201, first.content
    assert again.status_code == 201 and again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert Application.objects.count() == 1 and AuditEvent.objects.count() == events


def test_without_a_key_or_with_a_new_key_each_write_runs(catalogue, clerk, areas):  # noqa: F811
    second, third = another_resident(areas, "刘芳"), another_resident(areas, "陈静")
    first = submit(clerk, "key-1")
    with_a_new_key = submit(clerk, "key-2", id_number=second)
    without_a_key = submit(clerk, None, id_number=third)
    assert first.status_code == with_a_new_key.status_code == without_a_key.status_code == 201
    assert "Idempotent-Replayed" not in with_a_new_key and "Idempotent-Replayed" not in without_a_key
    assert Application.objects.count() == 3
    assert IdempotencyKey.objects.count() == 2


def test_the_same_key_with_another_body_is_refused_in_chinese(catalogue, clerk):  # noqa: F811
    submit(clerk, "key-1")
    other = submit(clerk, "key-1", phone="13900139000")
    assert other.status_code == 409
    assert "幂等键" in other.json()["detail"]
    assert Application.objects.count() == 1


def test_another_users_key_is_their_own(catalogue, clerk, staff, client_for, areas):  # noqa: F811
    submit(clerk, "key-1")
    other = submit(client_for(staff["clerk2"]), "key-1", id_number=another_resident(areas, "刘芳"))
    assert other.status_code == 201 and "Idempotent-Replayed" not in other
    assert Application.objects.count() == 2


def test_a_refused_write_releases_its_key_so_the_corrected_retry_runs(catalogue, clerk):  # noqa: F811
    refused = clerk.post(
        SUBMIT,
        {"item": "no-such-item", "id_number": "411723199203154526", "phone": PHONE},
        content_type="application/json",
        headers={"Idempotency-Key": "key-1"},
    )
    assert refused.status_code == 400
    assert not IdempotencyKey.objects.exists()
    assert submit(clerk, "key-1").status_code == 201


def test_a_key_is_kept_for_a_day_then_forgotten(catalogue, clerk, areas):  # noqa: F811
    submit(clerk, "key-1")
    row = IdempotencyKey.objects.get()
    assert row.expires_at - row.created_at == datetime.timedelta(hours=24)
    IdempotencyKey.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    again = submit(clerk, "key-1", id_number=another_resident(areas, "刘芳"))
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Application.objects.count() == 2


def test_a_key_abandoned_by_a_killed_worker_can_be_claimed_again(catalogue, clerk, staff):  # noqa: F811
    now = timezone.now()
    IdempotencyKey.objects.create(
        owner=f"user:{staff['clerk'].pk}",
        key="key-1",
        fingerprint="whatever",
        created_at=now - datetime.timedelta(minutes=10),
        expires_at=now + datetime.timedelta(hours=1),
    )
    assert submit(clerk, "key-1").status_code == 201


def test_the_person_form_carries_a_key_and_a_double_submit_creates_one_person(areas, make_user, client_for):
    officer = client_for(make_user(areas["village_a"], "village_officer"))
    page = officer.get("/registry/persons/new/")
    assert 'name="idempotency_key"' in page.content.decode()
    form = {
        "name": "赵六",
        "id_number": make_id(datetime.date(1990, 5, 5), "1"),
        "village": areas["village_a"].code,
        "phone": "",
        "address": "",
        "idempotency_key": "form-key-1",
    }
    first = officer.post("/registry/persons/new/", form)
    second = officer.post("/registry/persons/new/", form)
    assert first.status_code == 302, first.content.decode()[:2000]
    assert second.status_code == 302 and second["Location"] == first["Location"]
    assert Person.objects.filter(name="赵六").count() == 1


def test_the_hall_new_case_form_carries_a_key(catalogue, staff, client_for):  # noqa: F811
    page = client_for(staff["clerk"]).get("/hall/new/birth-registration/")
    assert 'name="idempotency_key"' in page.content.decode()


def test_a_view_that_bounds_its_uploads_keeps_its_limits_when_a_key_is_sent(
    client,
    catalogue,  # noqa: F811
    staff,  # noqa: F811
    settings,
    tmp_path,
):
    """The form of an upload-limited view is not read before the view sets its limits (reading it
    first would store the files unbounded and break the view)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path / "media"
    person = make_person(staff["village"].area)
    files = [SimpleUploadedFile(f"{n}.pdf", b"%PDF-1.4\n", "application/pdf") for n in range(12)]
    response = client.post(
        "/portal/items/birth-registration/apply",
        {"name": person.name, "id_number": person.id_number, "phone": PHONE, "m-registration-form": files},
        headers={"Idempotency-Key": "portal-key"},
    )
    assert response.status_code == 200 and "一次最多只能上传 10 个文件" in response.content.decode()
    assert not Application.objects.exists() and not IdempotencyKey.objects.exists()


def test_the_openapi_document_offers_the_idempotency_key_on_every_write_and_only_there(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    writes = reads = 0
    for operations in schema["paths"].values():
        for method, operation in operations.items():
            headers = [p for p in operation.get("parameters", []) if p["in"] == "header"]
            keyed = [p for p in headers if p["name"] == "Idempotency-Key"]
            if method.upper() in {"POST", "PUT", "PATCH", "DELETE"}:
                writes += 1
                assert len(keyed) == 1 and keyed[0]["schema"]["maxLength"] == 200, operation["operationId"]
                assert not keyed[0]["required"] and "409" in keyed[0]["description"]
            else:
                reads += 1
                assert not keyed, operation["operationId"]
    assert writes > 5 and reads > 5
