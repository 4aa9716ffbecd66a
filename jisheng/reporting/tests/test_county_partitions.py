"""A county's month figures on a province's database: the persons a figure is conditioned on (the
woman contracepting, the child of a birth, the person moving in) are joined in the county's own
partition, and those who have moved to another county since by their keys only; the parts add up to
the figure a single query gives.

The EXPLAIN test needs PostgreSQL's partitions (skipped on SQLite); the figures are checked on both."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jisheng.core import partitions
from jisheng.registry import services
from jisheng.registry.models import Birth, Person
from jisheng.registry.tests.test_event_partitions import family, move
from jisheng.registry.tests.test_partitions import other_county
from jisheng.reporting.measures import MEASURES, Measure, count_by_village, scoped_rows
from tests.factories import make_person

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite keeps plain tables: partitions are PostgreSQL's"
)
PARTITIONED = "|".join(partitions.PARTITIONED_TABLES)
PARTITION = re.compile(rf"\b((?:{PARTITIONED})_(?:\d{{6}}|default))(?!\w)")
NOVEMBER = (datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))


def registry_measures() -> list[Measure]:
    return [m for m in MEASURES.values() if m.rows(*NOVEMBER).model._meta.app_label == "registry"]


def month_of_two_counties(areas: Any, make_user: Any) -> dict[str, Any]:
    """Families in 平舆县 and 新蔡县 with births, moves and contraception in November."""
    elsewhere = other_county()
    here_officer = make_user(areas["township_a"], "township_head")
    there_officer = make_user(elsewhere["township"], "township_head")
    wife, husband = family(areas["village_a"], here_officer)
    services.birth_record(
        mother=wife,
        father=husband,
        date=datetime.date(2026, 11, 10),
        sex="2",
        child_name="李二",
        by=here_officer,
    )
    family(elsewhere["village"], there_officer, wife="赵敏", husband="钱进")
    newcomer = make_person(area=areas["village_b"], name="孙丽", sex="2", birth=datetime.date(1992, 1, 1))
    move(newcomer, areas["village_a"], datetime.date(2026, 11, 20))
    return {"elsewhere": elsewhere, "wife": wife, "here": here_officer, "there": there_officer}


def figure(measure: Measure, prefix: str) -> int:
    return sum(sum(cells.values()) for cells in count_by_village(measure, *NOVEMBER, prefix, []).values())


def single_query_figure(measure: Measure, prefix: str) -> int:
    rows = scoped_rows(measure, *NOVEMBER, prefix, {})
    return rows.values(measure.distinct).distinct().count() if measure.distinct else rows.count()


def counties_read(sql: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return {name.rsplit("_", 1)[1] for name in PARTITION.findall(plan)}


def queries_of(measure: Measure, prefix: str) -> list[str]:
    """The statements count_by_village runs for the measure that read a partitioned table."""
    with CaptureQueriesContext(connection) as captured:
        figure(measure, prefix)
    return [q["sql"] for q in captured.captured_queries if re.search(rf'"(?:{PARTITIONED})"', q["sql"])]


@needs_postgresql
@pytest.mark.parametrize("prefix", ["411723", "411723101"])
def test_every_query_of_a_countys_month_figures_reads_only_that_countys_partitions(areas, make_user, prefix):
    month_of_two_counties(areas, make_user)
    for measure in registry_measures():
        statements = queries_of(measure, prefix)
        assert statements, measure.code
        for sql in statements:
            assert counties_read(sql) == {"411723"}, (measure.code, sql)


def test_a_woman_who_moved_to_another_county_is_still_counted_where_her_contraception_was_recorded(
    areas, make_user
):
    """Her measure was recorded in 平舆县 and stays in force: 平舆县's figure keeps her (she is found by
    her key in the other county's partition), 新蔡县's does not gain her; and each figure equals the
    single query's."""
    month = month_of_two_counties(areas, make_user)
    contracepting = MEASURES["married_women_contracepting"]
    before = {prefix: figure(contracepting, prefix) for prefix in ("411723", "411729")}
    move(month["wife"], month["elsewhere"]["village"], datetime.date(2026, 11, 25))
    assert {prefix: figure(contracepting, prefix) for prefix in ("411723", "411729")} == before
    assert before == {"411723": 1, "411729": 1}
    for measure in registry_measures():
        for prefix in ("411723", "411723101", "411729", "4117"):
            assert figure(measure, prefix) == single_query_figure(measure, prefix), (measure.code, prefix)


def test_a_birth_whose_child_was_merged_away_is_not_counted_and_one_without_a_child_record_is(
    areas, make_user
):
    month = month_of_two_counties(areas, make_user)
    births = MEASURES["births"]
    assert figure(births, "411723") == 1
    Birth.objects.create(
        mother=month["wife"], child=None, date=datetime.date(2026, 11, 12), birth_order=3, sex="1",
        area=areas["village_a"],
    )  # fmt: skip
    assert figure(births, "411723") == 2
    child = Birth.objects.get(date=datetime.date(2026, 11, 10)).child
    assert child is not None
    survivor = make_person(area=month["elsewhere"]["village"], name="李二", sex="2", birth=child.birth_date)
    Person.objects.filter(pk=child.pk).update(merged_into=survivor)
    assert figure(births, "411723") == 1 == single_query_figure(births, "411723")


@pytest.mark.parametrize("prefix", ["41", "411723"])
def test_a_months_deaths_are_read_from_the_index_of_the_dead_not_from_every_person(areas, make_user, prefix):
    """A period's deaths are a few among millions of persons. On a tiny test database PostgreSQL's
    cheapest plan is a sequential scan whatever the indexes, so it is priced out there: the plan then
    shows whether the count's own conditions let the partial index of the dead (death_date IS NOT NULL)
    serve it at all. SQLite, without statistics, must choose it by itself."""
    month_of_two_counties(areas, make_user)
    statements = queries_of(MEASURES["deaths"], prefix)
    assert statements
    with connection.cursor() as cursor:
        for sql in statements:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute("SET LOCAL enable_indexscan = off")
                cursor.execute(f"EXPLAIN {sql}")
            else:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
            assert "registry_person_died" in plan or "death_date_idx" in plan, plan
            assert (
                "Seq Scan on registry_person" not in plan and "SCAN registry_person\n" not in plan + "\n"
            ), plan
