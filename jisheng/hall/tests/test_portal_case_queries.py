"""The resident's own case page: a fixed number of queries (the rating read with the case), however
many notices and events the case has, and the rating still shown once given."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from jisheng.hall import services
from tests.factories import A_RESIDENT

from .conftest import PHONE, upload

# The case with its item, office, certificate and rating; notices; the messages sent about the case;
# progress. No session: the browser's proved cases are in a signed cookie (hall.portal_proof).
PORTAL_CASE_QUERIES = 4


def _queries_of(client: Any, number: str) -> list[str]:
    with CaptureQueriesContext(connection) as context:
        response = client.get(f"/portal/track/{number}/")
    assert response.status_code == 200
    return [query["sql"] for query in context.captured_queries]


def test_the_residents_case_page_runs_a_fixed_number_of_queries_and_shows_the_rating(
    client: Any, catalogue: Any, resident: Any, staff: Any
) -> None:
    application = services.application_submit(
        item=catalogue["migrant-marital-certificate"],
        person=resident,
        channel="online",
        phone=PHONE,
        by=A_RESIDENT,
        uploads=[upload("photo")],
    )
    client.post("/portal/track/", {"number": application.number, "phone": PHONE})
    client.get(f"/portal/track/{application.number}/")  # the first view loads the working-day calendar
    few = _queries_of(client, application.number)
    assert len(few) == PORTAL_CASE_QUERIES, "\n".join(few)

    services.notice_issue(
        application=application, problems=[{"code": "photo", "problem": "不清晰"}], by=staff["clerk"]
    )
    services.application_resubmit(application=application, received_materials=["photo"], by=staff["clerk"])
    application.refresh_from_db()
    services.application_approve(application=application, by=staff["clerk"])
    client.post(f"/portal/track/{application.number}/rate", {"level": "5", "comment": "很好"})
    many = _queries_of(client, application.number)
    assert len(many) == PORTAL_CASE_QUERIES, "\n".join(many)
    assert not any('FROM "hall_rating"' in sql for sql in many)

    page = client.get(f"/portal/track/{application.number}/").content.decode()
    assert 'id="rating-level"' in page and "很好" in page and 'id="rate-form"' not in page
    assert 'id="notice-1"' in page
