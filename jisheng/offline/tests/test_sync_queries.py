"""The village download reads each table once, whatever the village's size."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from jisheng.registry import services as registry
from tests.factories import make_person


def _queries(client: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/offline/village").status_code == 200
    return len(queries)


def test_the_download_takes_the_same_queries_for_a_village_of_three_or_thirty(areas, make_user, client_for):
    officer = make_user(areas["village_a"], "village_officer")
    head = make_user(areas["township_a"], "township_head")
    client = client_for(officer)
    for n in range(3):
        make_person(area=areas["village_a"], name=f"王{n}", sex="1", birth=datetime.date(1980, 1, 1 + n))
    registry.household_create(by=head, number="H-1", area=areas["village_a"])
    _queries(client)  # the session's first read
    small = _queries(client)
    for n in range(27):
        make_person(area=areas["village_a"], name=f"李{n}", sex="2", birth=datetime.date(1990, 2, 1 + n))
        registry.household_create(by=head, number=f"H-{n + 2}", area=areas["village_a"])
    assert _queries(client) == small
    assert small <= 12
