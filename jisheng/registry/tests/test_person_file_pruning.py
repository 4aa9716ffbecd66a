"""The person file (一人一档) of a province's database: on PostgreSQL every query the page issues reads
only the partitions of the counties the person lived in (EXPLAIN of each captured query), and the page
costs a fixed number of queries however much the person's family and history hold.

The partitions are PostgreSQL's (SQLite keeps plain tables): the EXPLAIN tests are skipped on SQLite;
the query count is pinned on both databases."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jisheng.core import partitions
from jisheng.registry import services
from jisheng.registry.models import Person
from jisheng.registry.tests.test_event_partitions import family, move
from jisheng.registry.tests.test_partitions import other_county
from tests.factories import make_person

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite keeps plain tables: partitions are PostgreSQL's"
)
PARTITIONED = "|".join(partitions.PARTITIONED_TABLES)
PARTITION = re.compile(rf"\b((?:{PARTITIONED})_(?:\d{{6}}|default))(?!\w)")


def file_queries(client: Any, person: Person) -> list[str]:
    """The SQL of every query the person's page issues."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/registry/persons/{person.pk}/")
        assert response.status_code == 200, response.status_code
    return [query["sql"] for query in captured.captured_queries]


def partitions_read(sql: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return set(PARTITION.findall(plan))


def counties_read(sqls: list[str]) -> dict[str, set[str]]:
    """{query: counties of the partitions its plan reads} for the queries that read partitioned tables."""
    reads = [sql for sql in sqls if sql.startswith("SELECT") and re.search(rf'"(?:{PARTITIONED})"', sql)]
    read = {sql: {name.rsplit("_", 1)[1] for name in partitions_read(sql)} for sql in reads}
    return {sql: counties for sql, counties in read.items() if counties}


def household_of_three(village: Any, officer: Any) -> tuple[Person, Person]:
    """A family (married, a child, her IUD) in one household with the husband's mother."""
    wife, husband = family(village, officer)
    services.household_join(person=husband, number=f"H{wife.pk}", relation="02", by=officer)
    grandmother = make_person(area=village, name="李母", sex="2", birth=datetime.date(1960, 1, 1))
    services.household_join(person=grandmother, number=f"H{wife.pk}", relation="05", by=officer)
    return wife, husband


@needs_postgresql
def test_a_womans_file_reads_only_her_countys_partitions_in_every_query(areas, make_user, client_for):
    """Her residence periods, household and its members, marriages, husband, children, own birth and
    contraception: each look-up names her county, so no other county's partition is in any plan."""
    other_county()
    wife, _husband = household_of_three(areas["village_a"], make_user(areas["township_a"], "township_head"))
    move(wife, areas["village_b"], datetime.date(2021, 4, 1))  # a move within the county
    clerk = client_for(make_user(areas["county"], "county_staff"))
    read = counties_read(file_queries(clerk, wife))
    assert len(read) >= 8  # the person, her history's counties, periods, household, members, events…
    assert {sql: counties for sql, counties in read.items() if counties != {"411723"}} == {}


@needs_postgresql
def test_a_woman_who_moved_in_from_another_county_is_read_in_both_and_only_those(
    areas, make_user, client_for
):
    elsewhere = other_county()
    third = other_county_named("411702", "驿城区")
    wife, _husband = family(elsewhere["village"], make_user(elsewhere["township"], "township_head"))
    move(wife, areas["village_a"], datetime.date(2020, 3, 1))
    wife.refresh_from_db()
    clerk = client_for(make_user(areas["county"], "county_staff"))
    page_queries = file_queries(clerk, wife)
    read = counties_read(page_queries)
    assert set().union(*read.values()) == {"411723", "411729"}, read
    assert third["county"].code[:6] not in str(read)
    page = clerk.get(f"/registry/persons/{wife.pk}/").content.decode()
    assert "李小" in page and "李强" in page and page.count('class="residence-period"') == 2


def other_county_named(code: str, name: str) -> dict[str, Any]:
    from jisheng.areas.models import Area, Level

    city = Area.objects.get(code="411700000000")
    county = Area.objects.create(code=f"{code}000000", name=name, level=Level.COUNTY, parent=city)
    return {"county": county}


@needs_postgresql
def test_a_mans_file_reads_every_county_only_for_his_marriages_and_children(areas, make_user, client_for):
    """A man's marriages and children are recorded in his wife's county, which the file cannot know
    beforehand: those two look-ups read every county (by their husband and father keys); all the
    other queries of his page read his county's partitions only."""
    other_county()
    _wife, husband = household_of_three(areas["village_a"], make_user(areas["township_a"], "township_head"))
    clerk = client_for(make_user(areas["county"], "county_staff"))
    read = counties_read(file_queries(clerk, husband))
    wide = [sql for sql, counties in read.items() if counties != {"411723"}]
    assert len(wide) == 2, wide
    assert all(re.search(r'FROM "registry_(marriage|birth)"', sql) for sql in wide), wide
    assert all('"husband_id" =' in sql or '"father_id" =' in sql for sql in wide), wide


@needs_postgresql
def test_a_mans_marriages_and_children_are_read_by_statements_the_server_keeps_prepared(
    areas, make_user, client_for
):
    """The two look-ups that read every county are prepared once a connection: after a few files the
    server runs them from a generic plan, and each man's file still shows his own wife and child only."""
    officer = make_user(areas["township_a"], "township_head")
    _first_wife, first = family(areas["village_a"], officer)
    _second_wife, second = family(areas["village_a"], officer, wife="赵敏", husband="周杰")
    clerk = client_for(make_user(areas["county"], "county_staff"))
    for _view in range(4):
        clerk.get(f"/registry/persons/{first.pk}/")
    page = clerk.get(f"/registry/persons/{second.pk}/").content.decode()
    assert "赵敏" in page and "王芳" not in page
    page = clerk.get(f"/registry/persons/{first.pk}/").content.decode()
    assert "王芳" in page and "赵敏" not in page
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
        prepared = {sql: runs for sql, runs in cursor.fetchall()}
    runs = {
        table: sum(n for sql, n in prepared.items() if f'FROM "registry_{table}"' in sql)
        for table in ("marriage", "birth")
    }
    assert runs == {"marriage": 6, "birth": 6}, prepared


@needs_postgresql
def test_a_province_account_finds_the_persons_county_by_key_and_reads_only_that_countys_partitions(
    areas, make_user, client_for
):
    """The page's address holds the person's key only: a reader above the county learns the person's
    county from the table of live ID numbers (``live_ids.county_of``), and reads the person and
    everything after in that county's partitions."""
    other_county()
    wife, _husband = household_of_three(areas["village_a"], make_user(areas["township_a"], "township_head"))
    city = client_for(make_user(areas["city"], "city_staff"))
    queries = file_queries(city, wife)
    read = counties_read(queries)
    assert read and all(counties == {"411723"} for counties in read.values()), read
    assert any("FROM registry_live_id_number WHERE person_id" in sql for sql in queries)


# The page's queries: the session, and the user with their area, roles and devices in one statement
# (2), the person (1), her history's counties (1), periods, household, members, marriages, births with
# her own birth, contraception (6), the husband and children (1), the areas' names (1), and the other
# apps' timelines (1: one UNION ALL of every app's rows).
PINNED_QUERIES = 13


@pytest.mark.parametrize("children", [1, 4])
def test_the_person_file_runs_a_fixed_number_of_queries(areas, make_user, client_for, children):
    """However many children, marriages, moves and household members: the same number of queries."""
    officer = make_user(areas["township_a"], "township_head")
    wife, husband = household_of_three(areas["village_a"], officer)
    for n in range(1, children):
        services.birth_record(
            mother=wife, father=husband, date=datetime.date(2017 + n, 3, 1), sex="2", child_name=f"李{n}",
            by=officer,
        )  # fmt: skip
    for n in range(children):
        move(wife, areas["village_b" if n % 2 == 0 else "village_a"], datetime.date(2022, 1, 1 + n))
    wife.refresh_from_db()
    clerk = client_for(make_user(areas["county"], "county_staff"))
    file_queries(clerk, wife)  # the first page after signing in also saves the session
    queries = file_queries(clerk, wife)
    assert len(queries) == PINNED_QUERIES, "\n".join(q[:120] for q in queries)
