"""A dashboard view reads the live figures' stamp once, not once per figure (issue 17).

The stamp (the newest audit event and the shared change generation) was read for each of the dozen
entries a dashboard shows: a dozen queries and cache files a view. It is now read once per GET, and
read again at the next view, so a change still shows at once.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jisheng.reporting import live

from .helpers import births

OCTOBER = "2026-M10"


def chain_head_reads(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return sum("audit_auditchainhead" in query["sql"] for query in context.captured_queries)


@pytest.mark.django_db
def test_a_dashboard_view_reads_the_stamp_once_and_the_next_view_sees_a_change(areas, make_user, client_for):
    births(areas["village_a"], datetime.date(2026, 10, 5), male=2, female=1)
    township = client_for(make_user(areas["township_a"], "counter_clerk"))
    url = f"/reporting/dashboard/?period={OCTOBER}"
    township.get(url)
    assert chain_head_reads(township, url) == 1
    births(areas["village_a"], datetime.date(2026, 10, 21), male=1)
    assert chain_head_reads(township, url) == 1
    assert "4" in township.get(url).content.decode()


@pytest.mark.django_db
def test_outside_a_request_the_stamp_is_read_at_every_call(areas) -> None:
    with CaptureQueriesContext(connection) as context:
        live._shared.stamp()
        live._shared.stamp()
    assert sum("audit_auditchainhead" in query["sql"] for query in context.captured_queries) == 2
