"""The responsible person's list and the area's list: a page at a time, read in the order of their
indexes, the same queries whatever the number of matters; the home card of matters and ledger items
past or near their limit."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jisheng.petitions import queries, services
from jisheng.petitions.models import LedgerItem
from jisheng.petitions.services import NewItem

from .conftest import receive


def _days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def _home_queries(client: Any, **params: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("petitions:home"), params)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_the_home_page_runs_the_same_queries_for_three_matters_as_for_a_dozen_and_pages_through_them(
    areas, staff, petitioner, client_for, monkeypatch
) -> None:
    monkeypatch.setattr(queries, "PAGE_SIZE", 5)
    client = client_for(staff["clerk"])
    for i in range(3):
        receive(
            petitioner, areas["township_a"], staff["clerk"], title=f"事项{i:02d}", received_on=_days_ago(i)
        )
    _home_queries(client)  # the first request of a session reads what later ones find cached
    few, page = _home_queries(client)
    assert 'rel="next"' not in page
    for i in range(3, 12):
        receive(
            petitioner, areas["township_a"], staff["clerk"], title=f"事项{i:02d}", received_on=_days_ago(i)
        )
    many, page = _home_queries(client)
    assert many == few  # pinned: independent of the number of matters
    assert "在办 12 件" in page
    assert len(re.findall(r"<td>事项\d\d</td>", page)) == 10  # five of mine, five of the area: a page each
    assert 'rel="next"' in page
    # The area's list, newest first: page 3 holds the two oldest and no further page.
    assert _home_queries(client, page="3")[0] == few
    last = queries.matter_list(staff["clerk"], status="open", page=3)
    assert [r["title"] for r in last.rows] == ["事项10", "事项11"] and not last.has_next
    # My list, nearest limit first: the oldest matters (acceptance due first) lead page 1.
    rows = queries.my_open_matters(staff["clerk"]).rows
    assert [r["title"] for r in rows] == ["事项11", "事项10", "事项09", "事项08", "事项07"]
    assert queries.my_counts(staff["clerk"])["open"] == 12


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan")
def test_both_lists_walk_their_index_in_order_instead_of_sorting_every_matter(
    areas, staff, petitioner
) -> None:
    receive(petitioner, areas["township_a"], staff["clerk"])
    mine = queries.my_open_queryset(staff["clerk"]).explain()
    listed = queries.matter_list_queryset(staff["clerk"], status="open").explain()
    assert "petitions_matter_mine" in mine and "TEMP B-TREE" not in mine
    assert "petitions_matter_list" in listed and "TEMP B-TREE" not in listed


def test_the_home_card_counts_my_matters_past_or_near_their_limit_and_my_overdue_ledger_items(
    areas, staff, petitioner, client_for
) -> None:
    township = areas["township_a"]
    receive(petitioner, township, staff["clerk"], title="逾期", received_on=_days_ago(20))  # due 5 days ago
    receive(petitioner, township, staff["clerk"], title="将至", received_on=_days_ago(12))  # due in 3 days
    receive(petitioner, township, staff["clerk"], title="未至", received_on=_days_ago(0))  # due in 15 days
    receive(petitioner, township, staff["clerk2"], title="别人的", received_on=_days_ago(20))
    late = services.ledger_item_create(
        area=township,
        item=NewItem(title="整改逾期", responsible=staff["clerk"], office="办公室", deadline=_days_ago(-1)),
        source="suggestion",
        by=staff["clerk"],
    )
    LedgerItem.objects.filter(pk=late.pk).update(deadline=_days_ago(10))  # eleven days have passed
    services.ledger_item_create(
        area=township,
        item=NewItem(
            title="整改未到期", responsible=staff["clerk"], office="办公室", deadline=_days_ago(-10)
        ),
        source="suggestion",
        by=staff["clerk"],
    )
    client = client_for(staff["clerk"])
    home = client.get(reverse("home")).content.decode()
    assert "我负责的信访事项逾期或5日内到期" in home
    assert "1 件逾期，1 件即将到期，共 3 件在办" in home
    assert "我负责的整改事项已逾期" in home and "2 项整改中" in home
    assert reverse("petitions:ledger") + "?mine=1&amp;overdue=1" in home
    overdue = client.get(reverse("petitions:ledger"), {"mine": "1", "overdue": "1"}).content.decode()
    assert "整改逾期" in overdue and "整改未到期" not in overdue
    # Someone with nothing to answer for sees no petitions card.
    assert "我负责的信访事项" not in client_for(staff["other"]).get(reverse("home")).content.decode()
