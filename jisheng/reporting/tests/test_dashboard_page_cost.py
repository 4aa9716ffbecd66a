"""The dashboard page: a fixed number of queries (the areas below read once, for the comparison and
the completeness table), the indicator values drawn in Python with the same markup, and completeness
counted per area below whatever their number."""

from __future__ import annotations

import datetime
import types

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from jisheng.reporting import queries

from .helpers import births

# Session, then the user with their area, roles and second-factor devices in one statement (every
# county officer's page); the report forms;
# the areas below; the live figures' stamp; the approved reports of the trend and of the month; the
# breadcrumb's parent; the villages and the reports of completeness.
DASHBOARD_QUERIES = 10
# A view of a kept page: the session, the user (with area, roles and devices), and the stamp.
KEPT_DASHBOARD_QUERIES = 3


def _queries_of(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in context.captured_queries]


@pytest.mark.django_db
def test_drawing_the_dashboard_runs_a_fixed_number_of_queries_and_reads_the_areas_below_once(
    areas, make_user, client_for, monkeypatch
) -> None:
    from jisheng.reporting import live

    monkeypatch.setattr(live, "page", lambda key, draw: draw())  # every view draws the page
    county = client_for(make_user(areas["county"], "county_staff"))
    url = "/reporting/dashboard/?period=2026-M10"
    county.get(url)
    few = _queries_of(county, url)
    births(areas["village_a"], datetime.date(2026, 10, 5), male=2, female=1)
    births(areas["village_b"], datetime.date(2026, 10, 6), male=1, female=2)
    county.get(url)
    many = _queries_of(county, url)
    assert len(few) == len(many) == DASHBOARD_QUERIES, "\n".join(many)
    below = [sql for sql in many if '"areas_area"."parent_id" =' in sql]
    assert len(below) == 1


@pytest.mark.django_db
def test_a_view_of_the_kept_dashboard_reads_only_the_viewer_and_the_stamp(
    areas, make_user, client_for
) -> None:
    county = client_for(make_user(areas["county"], "county_staff"))
    url = "/reporting/dashboard/?period=2026-M10"
    county.get(url)
    kept = _queries_of(county, url)
    assert len(kept) == KEPT_DASHBOARD_QUERIES, "\n".join(kept)


@pytest.mark.django_db
def test_completeness_counts_the_villages_of_each_area_below(areas) -> None:
    from jisheng.reporting.models import ReportForm
    from jisheng.reporting.periods import parse

    form = ReportForm(code="village_month")
    from jisheng.areas.models import Area, Level

    def villages_of(area) -> int:
        return Area.objects.filter(
            code__startswith=area.prefix, level=Level.VILLAGE, valid_to__isnull=True
        ).count()

    rows = {row["area"].code: row for row in queries.completeness(form, parse("2026-M10"), areas["county"])}
    assert rows["411723101000"]["expected"] == villages_of(areas["township_a"]) == 2
    assert rows["411723102000"]["expected"] == villages_of(areas["township_b"]) >= 1
    assert all(row["submitted"] == 0 and row["completeness"] == 0.0 for row in rows.values())
    given = queries.completeness(form, parse("2026-M10"), areas["county"], groups=[areas["township_b"]])
    assert [(row["area"].code, row["expected"]) for row in given] == [
        ("411723102000", villages_of(areas["township_b"]))
    ]


def _value(result) -> str:
    return Template("{% load reporting_values %}{% indicator_value result %}").render(
        Context({"result": result})
    )


def test_an_indicator_value_is_drawn_as_the_dashboard_showed_it() -> None:
    def result(value, numerator=None, denominator=None, in_range=None):
        return types.SimpleNamespace(
            value=value, numerator=numerator, denominator=denominator, in_range=in_range
        )

    with translation.override("zh-hans"):
        assert _value(None) == '<span class="muted">无数据</span>'
        assert _value(result(None)) == '<span class="muted">—</span>'
        assert _value(result(104.5454, 115, 110, True)) == (
            '<span class="value" title="115 / 110">104.55</span>'
        )
        assert _value(result(90.0, 9, 10.5, False)) == (
            '<span class="value badge bad out-of-range" title="9 / 10.50">90.00</span>'
            ' <span class="muted">超出正常范围</span>'
        )
