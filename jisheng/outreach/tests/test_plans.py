"""A village's outreach pages and the county's screening rates read outreach's tables through their
indexes, never by a scan of a whole table (what `jisheng bench --only outreach` measures at a million
residents; the plans do not depend on how many rows there are)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jisheng.outreach import queries
from jisheng.outreach.models import Visit

from .scoping import make_objects


def _plans(sqls):
    """SQLite's plan of each statement that reads an outreach table, one line per step."""
    plans = {}
    with connection.cursor() as cursor:
        for sql in sqls:
            if not sql.startswith("SELECT") or "outreach_" not in sql:
                continue
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            plans[sql] = [row[-1] for row in cursor.fetchall()]
    return plans


def _scans(plans):
    return {
        sql[:120]: plan for sql, plan in plans.items() if any(s.startswith("SCAN outreach_") for s in plan)
    }


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan")
def test_a_villages_outreach_pages_and_the_countys_screening_rates_read_through_indexes(
    areas, make_user, client_for
):
    village = areas["village_a"]
    make_objects(area=village, marker="计划")
    client = client_for(make_user(village, "village_officer"))
    household = Visit.objects.get().household_id
    pages = [
        "/outreach/visits/",
        "/outreach/health/?kind=screening",
        "/outreach/health/?kind=prepregnancy",
        "/outreach/health/?kind=referral",
        "/outreach/supplies/",
        f"/outreach/households/{household}/",
        "/outreach/pairings/",
        "/outreach/gifts/",
        "/outreach/campaigns/",
    ]
    read = 0
    for url in pages:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200, url
        plans = _plans(q["sql"] for q in captured.captured_queries)
        read += len(plans)
        assert not _scans(plans), (url, _scans(plans))
    assert read >= len(pages)

    today = datetime.date.today()
    with CaptureQueriesContext(connection) as captured:
        queries.screening_rates(areas["county"].prefix, today.replace(day=1), today)
    plans = _plans(q["sql"] for q in captured.captured_queries)
    assert len(plans) == 2 and not _scans(plans)
    assert all(any("outreach_screen_" in step for step in plan) for plan in plans.values())
