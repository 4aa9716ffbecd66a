"""The floating population's pages and API operations: each opens, writes through its service, and
its lists cost the same number of queries for one row as for many."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from jisheng.audit.models import AuditEvent
from jisheng.migrants import services
from jisheng.migrants.models import Arrival, Departure
from jisheng.migrants.tests.conftest import make_woman

pytestmark = pytest.mark.django_db


def _away(n: int, areas: dict[str, Any], officer: Any) -> None:
    for i in range(n):
        person = make_woman(areas["village_a"], name=f"外出{i}", born=datetime.date(1990, 1, 1 + i))
        services.departure_record(
            person=person, destination="441900", left_on=timezone.localdate(), by=officer
        )


def test_the_officer_records_a_departure_with_its_four_on_the_form(
    staff: dict[str, Any], woman: Any, client_for: Any
) -> None:
    client = client_for(staff["officer"])
    assert client.get(f"/migrants/away/pick/?q={woman.name}").content.decode().count(woman.name) >= 1
    response = client.post(
        f"/migrants/away/new/{woman.pk}/",
        {
            "destination": "441900 东莞市",
            "left_on": timezone.localdate().isoformat(),
            "reason": "work",
            "contact_phone": "13800138001",
            "contraception": "700",
            "agreement_signed": "on",
        },
    )
    departure = Departure.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/migrants/away/{departure.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert '<li data-item="certificate"><span class="badge bad">' in page
    assert '<li data-item="agreement"><span class="badge ok">' in page
    assert departure.missing and len(departure.missing) == 1  # only the certificate, issued by the township


def test_a_refused_departure_comes_back_on_the_form_with_the_reason(
    staff: dict[str, Any], woman: Any, client_for: Any
) -> None:
    client = client_for(staff["officer"])
    response = client.post(
        f"/migrants/away/new/{woman.pk}/",
        {"destination": "990000", "left_on": timezone.localdate().isoformat(), "reason": "work"},
    )
    assert response.status_code == 200
    assert "990000" in response.content.decode()
    assert not Departure.objects.exists()


@pytest.mark.parametrize(
    "url", ["/migrants/away/", "/migrants/", "/migrants/checklist/?township=411723101000"]
)
def test_the_lists_of_people_away_cost_the_same_queries_for_one_or_many(
    url: str,
    staff: dict[str, Any],
    areas: dict[str, Any],
    client_for: Any,
    django_assert_max_num_queries: Any,
) -> None:
    client = client_for(staff["clerk"])
    _away(1, areas, staff["officer"])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    _away(6, areas, staff["officer"])
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(one)


def test_the_arrival_list_and_queue_cost_the_same_queries_for_one_or_many(
    staff: dict[str, Any], areas: dict[str, Any], client_for: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_id

    def arrive(n: int) -> None:
        for i in range(n):
            services.arrival_record(
                village=areas["village_a"],
                id_number=make_id(datetime.date(1992, 2, 1 + i), "2"),
                name=f"流入{i}",
                origin="441900",
                arrived_on=timezone.localdate(),
                by=staff["officer"],
            )

    client = client_for(staff["clerk"])
    arrive(1)
    for url in ("/migrants/arrived/", "/migrants/verifications/"):
        client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get("/migrants/arrived/")
        client.get("/migrants/verifications/")
    arrive(5)
    with CaptureQueriesContext(connection) as many:
        client.get("/migrants/arrived/")
        client.get("/migrants/verifications/")
    assert len(many) == len(one)
    assert Arrival.objects.count() == 6


def test_the_phone_api_records_a_departure_and_refuses_with_the_field_named(
    staff: dict[str, Any], woman: Any, client_for: Any
) -> None:
    client = client_for(staff["officer"])
    ok = client.post(
        "/api/v1/migrants/away",
        {
            "person_id": woman.pk,
            "destination": "441900",
            "left_on": timezone.localdate().isoformat(),
            "contact_phone": "13800138001",
        },
        content_type="application/json",
    )
    assert ok.status_code == 201, ok.content
    assert len(ok.json()["missing"]) == 3
    again = client.post(
        "/api/v1/migrants/away",
        {"person_id": woman.pk, "destination": "441900", "left_on": timezone.localdate().isoformat()},
        content_type="application/json",
    )
    assert again.status_code == 400 and "detail" in again.json()
    listed = client.get("/api/v1/migrants/away").json()
    assert [row["name"] for row in listed] == [woman.name]
    assert AuditEvent.objects.filter(action="migrants.departure_record").count() == 1
