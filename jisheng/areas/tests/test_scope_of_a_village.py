"""A scope is a range of area codes, except a village's, which is one code: an equality lets an index
led by the area give the village's rows in order (newest first) without sorting them all."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from jisheng.registry.models import Person
from tests.factories import make_areas, make_person


@pytest.fixture
def areas():
    return make_areas()


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {'QUERY PLAN ' if connection.vendor == 'sqlite' else ''}{sql}", params)
        return "\n".join(str(row) for row in cursor.fetchall())


@pytest.mark.django_db
def test_a_village_scope_finds_exactly_the_village_s_rows_and_a_township_scope_its_villages(areas):
    born = datetime.date(1990, 5, 1)
    here = make_person(area=areas["village_a"], name="王芳", sex="2", birth=born)
    neighbour = make_person(area=areas["village_a2"], name="李娜", sex="2", birth=born)
    make_person(area=areas["village_b"], name="张丽", sex="2", birth=born)

    assert list(Person.objects.within(areas["village_a"].prefix)) == [here]
    assert set(Person.objects.within(areas["township_a"].prefix)) == {here, neighbour}


@pytest.mark.django_db
def test_a_village_scope_is_an_equality_and_a_township_scope_a_range(areas):
    village_sql = str(Person.objects.within(areas["village_a"].prefix).query)
    township_sql = str(Person.objects.within(areas["township_a"].prefix).query)

    assert "BETWEEN" not in village_sql
    assert '"residence_area_id" = 411723101201' in village_sql.replace("'", "")
    assert "BETWEEN" in township_sql


@pytest.mark.django_db
def test_the_village_s_rows_newest_first_are_read_from_the_index_without_sorting(areas):
    if connection.vendor != "sqlite":
        pytest.skip("the plan's wording is SQLite's; PostgreSQL's planner decides by its statistics")
    rows = Person.objects.within(areas["village_a"].prefix).order_by("-status")
    # (residence_area, status) is an index of the registry: with the equality it also gives the order.
    assert "TEMP B-TREE" not in _plan(rows)
