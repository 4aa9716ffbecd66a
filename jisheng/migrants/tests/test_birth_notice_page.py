"""The township where a migrant woman gave birth notifies her home county from her arrival page:
scoped to the village's staff, audited, refused in the form's words when wrong."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from jisheng.audit.models import AuditEvent
from jisheng.migrants import services
from jisheng.migrants.models import Notice
from tests.factories import make_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def arrival(staff: dict[str, Any], areas: dict[str, Any]) -> Any:
    return services.arrival_record(
        village=areas["village_a"],
        id_number=make_id(datetime.date(1994, 3, 3), "2"),
        name="陈玉兰",
        origin="441900 东莞市",
        arrived_on=timezone.localdate() - datetime.timedelta(days=100),
        by=staff["officer"],
    )


def form(born_on: datetime.date, **extra: str) -> dict[str, str]:
    return {
        "step": "birth",
        "b-born_on": born_on.isoformat(),
        "b-sex": "2",
        "b-child_name": "李 小红",
        **extra,
    }


def test_the_birth_is_notified_from_the_arrival_page_and_listed_there(
    staff: dict[str, Any], arrival: Any, client_for: Any
) -> None:
    client = client_for(staff["officer"])
    url = f"/migrants/arrived/{arrival.pk}/"
    assert 'id="birth"' in client.get(url).content.decode()
    born_on = timezone.localdate() - datetime.timedelta(days=2)
    response = client.post(url, form(born_on, **{"b-place": "县妇幼保健院"}))
    assert response.status_code == 302
    notice = Notice.objects.get(kind="birth", direction="out")
    assert (notice.peer_area_code[:6], notice.person_id) == ("441900", arrival.person_id)
    assert notice.body["child_name"] == "李小红" and notice.body["place"] == "县妇幼保健院"
    assert AuditEvent.objects.filter(action__startswith="migrants.notice").exists()
    page = client.get(url).content.decode()
    assert 'id="births"' in page and "李小红" in page


def test_a_birth_in_the_future_is_refused_on_the_form_and_nothing_is_sent(
    staff: dict[str, Any], arrival: Any, client_for: Any
) -> None:
    response = client_for(staff["officer"]).post(
        f"/migrants/arrived/{arrival.pk}/", form(timezone.localdate() + datetime.timedelta(days=3))
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not Notice.objects.filter(kind="birth").exists()


def test_staff_of_another_township_can_neither_see_nor_notify(
    staff: dict[str, Any], arrival: Any, client_for: Any
) -> None:
    other = client_for(staff["clerk_b"])
    url = f"/migrants/arrived/{arrival.pk}/"
    assert other.get(url).status_code == 404
    assert other.post(url, form(timezone.localdate())).status_code == 404
    assert not Notice.objects.filter(kind="birth").exists()
