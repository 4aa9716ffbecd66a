"""Persons partitioned by county on PostgreSQL: the county code every person carries, the partitions of
the deployment's counties, the command that adds one, the pruned reads, and the check that keeps one
live person per ID number across counties now that the database key holds the county.

The county code and the references are checked on both databases; what needs partitions runs on
PostgreSQL only (SQLite keeps plain tables)."""

import datetime
import re
import threading
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from conftest import sign_in
from jisheng.areas.models import Area, Level
from jisheng.core import partitions
from jisheng.registry import services
from jisheng.registry.bulkload import insert_rows, next_ids, now
from jisheng.registry.models import Person
from jisheng.registry.queries import SearchCriteria, person_search_queryset
from jisheng.reporting.measures import MEASURES, scoped_rows
from tests.factories import make_id, make_person

BIRTH = datetime.date(1990, 5, 5)
needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite keeps plain tables: partitions are PostgreSQL's"
)


def other_county() -> dict[str, Area]:
    """新蔡县 (411729), a second county of the city, with a township and a village."""
    city = Area.objects.get(code="411700000000")
    county = Area.objects.create(code="411729000000", name="新蔡县", level=Level.COUNTY, parent=city)
    township = Area.objects.create(code="411729100000", name="古吕镇", level=Level.TOWNSHIP, parent=county)
    village = Area.objects.create(code="411729100201", name="东关村", level=Level.VILLAGE, parent=township)
    return {"county": county, "township": township, "village": village}


def partition_of(person: Person) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM registry_person WHERE id = %s", [person.pk])
        return str(cursor.fetchone()[0])


def test_every_person_carries_the_county_of_their_village_however_they_were_written(areas, make_user):
    officer = make_user(areas["township_a"], "township_head")
    elsewhere = other_county()
    created = services.person_create(
        by=officer, name="赵六", id_number=make_id(BIRTH, "1"), residence_area=areas["village_a"]
    )
    [bulk] = Person.objects.bulk_create(
        [Person(name="钱七", id_number="", sex="1", birth_date=BIRTH, residence_area=areas["village_b"])]
    )
    first = next_ids(Person)
    stamp = now()
    insert_rows(
        Person,
        [
            (
                first, "孙八", "sunba", "sb", None, None, "", "", "1", BIRTH, "01", "10", "", "",
                "411723101201", "411729100201", "", None, "", "alive", None, None, None, stamp, stamp, None,
            )
        ],
    )  # fmt: skip
    loaded = Person.objects.get(pk=first)
    assert [created.county_code, bulk.county_code, loaded.county_code] == ["411723"] * 2 + ["411729"]
    assert Person.objects.get(pk=created.pk).county_code == "411723"
    created.residence_area = elsewhere["village"]
    created.save(update_fields=["residence_area", "updated_at"])
    assert Person.objects.get(pk=created.pk).county_code == "411729"


def test_no_reference_to_a_person_is_a_database_foreign_key():
    """A partitioned table's id alone cannot be referenced (its unique keys hold the county): every
    reference to a person, in every app, is kept by the services (db_constraint=False)."""
    constrained = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model is Person and field.db_constraint
    ]
    assert constrained == []


def test_a_county_read_filters_on_the_partition_key_and_a_city_read_does_not(areas, make_user):
    county = Person.objects.visible_to(make_user(areas["township_a"], "township_head"))
    city = Person.objects.visible_to(make_user(areas["city"], "city_staff"))
    assert '"county_code" = 411723' in str(county.query).split("WHERE")[1].replace("'", "")
    assert "county_code" not in str(city.query).split("WHERE")[1]


@needs_postgresql
def test_the_person_table_is_partitioned_with_one_partition_per_county_and_a_default(areas):
    assert partitions.counties_with_partitions(connection, "registry_person") == ["411723"]
    elsewhere = other_county()
    assert partitions.counties_with_partitions(connection, "registry_person") == ["411723", "411729"]
    here = make_person(area=areas["village_a"], name="赵六", sex="1", birth=BIRTH)
    there = make_person(area=elsewhere["village"], name="钱七", sex="1", birth=BIRTH)
    assert partition_of(here) == "registry_person_411723"
    assert partition_of(there) == "registry_person_411729"


@needs_postgresql
def test_adding_a_county_moves_its_waiting_rows_out_of_the_default_partition_and_is_idempotent(areas):
    waiting = Person.objects.create(
        name="李四", id_number="", sex="1", birth_date=BIRTH, residence_area=areas["village_a"]
    )
    waiting.county_code = "411799"  # a county not (yet) in the deployment: the default partition
    Person.objects.filter(pk=waiting.pk).update(county_code="411799")
    assert partition_of(waiting) == "registry_person_default"
    out = StringIO()
    call_command("partitions", "add", "411799", stdout=out)
    assert "created registry_person_411799" in out.getvalue()
    assert partition_of(waiting) == "registry_person_411799"
    assert Person.objects.get(pk=waiting.pk).name == "李四"
    again = StringIO()
    call_command("partitions", "add", "411799", stdout=again)
    assert "nothing to do" in again.getvalue()


@needs_postgresql
def test_the_conversion_keeps_the_rows_both_ways(areas):
    """The migration's conversion on a table holding data: to a plain table and back again."""
    people = [make_person(area=areas["village_a"], name=f"赵{n}", sex="1", birth=BIRTH) for n in range(3)]
    with connection.schema_editor(atomic=False) as editor:
        partitions.convert_table(editor, "registry_person", "county_code", [], partitioned=False)
        assert partitions.counties_with_partitions(connection, "registry_person") == []
        partitions.convert_table(editor, "registry_person", "county_code", ["411723"], partitioned=True)
    assert sorted(Person.objects.values_list("pk", flat=True)) == sorted(p.pk for p in people)
    assert {partition_of(p) for p in people} == {"registry_person_411723"}
    newcomer = make_person(area=areas["village_a"], name="钱七", sex="1", birth=BIRTH)
    assert newcomer.pk > max(p.pk for p in people)


def partitions_read(queryset: Any) -> set[str]:
    """The partitions of registry_person the plan reads (their indexes' names left aside)."""
    return set(re.findall(r"\b(registry_person_(?:\d{6}|default))(?!\w)", queryset.explain()))


@needs_postgresql
def test_a_county_users_searches_file_and_month_figures_read_only_that_countys_partition(areas, make_user):
    other_county()
    clerk = make_user(areas["county"], "county_staff")
    someone = make_person(area=areas["village_a"], name="赵六", sex="1", birth=BIRTH)
    by_id = person_search_queryset(clerk, SearchCriteria(q=someone.id_number))
    by_name = person_search_queryset(clerk, SearchCriteria(q="赵六"))
    by_initials = person_search_queryset(clerk, SearchCriteria(q="zl"))
    person_file = Person.objects.visible_to(clerk).filter(pk=someone.pk)
    month = scoped_rows(
        MEASURES["married_women_15_49"], datetime.date(2026, 11, 1), datetime.date(2026, 11, 30), "411723", {}
    )
    for queryset in (by_id, by_name, by_initials, person_file, month):
        assert partitions_read(queryset) == {"registry_person_411723"}, queryset.explain()
    city = Person.objects.visible_to(make_user(areas["city"], "city_staff")).filter(name="赵六")
    assert partitions_read(city) >= {"registry_person_411723", "registry_person_411729"}


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_registrations_of_one_id_in_two_counties_make_one_person(areas, make_user):
    """The database key is per county; across counties the service's check holds, under a lock on the
    number, when twenty requests in two counties register one ID number at once."""
    elsewhere = other_county()
    here = make_user(areas["village_a"], "village_officer")
    there = make_user(elsewhere["village"], "village_officer")
    number = make_id(BIRTH, "1")
    barrier = threading.Barrier(20)
    results: list[object] = []

    def request(n: int) -> None:
        user, village = (here, areas["village_a"]) if n % 2 else (there, elsewhere["village"])
        client = sign_in(Client(), user)
        barrier.wait()
        try:
            data = {"name": "赵六", "id_number": number, "village": village.code, "phone": "", "address": ""}
            response = client.post("/registry/persons/new/", {**data, "idempotency_key": f"key-{n}"})
            results.append(response.status_code)
        except Exception as exc:  # noqa: BLE001 - any failure is counted and shown
            results.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=request, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Person.objects.filter(id_number=number).count() == 1
    assert sorted(results, key=str) == [200] * 19 + [302], results


def test_the_partitions_command_refuses_a_code_that_is_not_a_county_and_says_what_it_did(areas):
    out = StringIO()
    call_command("partitions", "list", stdout=out)
    if connection.vendor != "postgresql":
        assert "SQLite" in out.getvalue()
        return
    assert out.getvalue().splitlines() == [f"{table}: 411723" for table in partitions.PARTITIONED_TABLES]
    with pytest.raises(CommandError, match="六位数字"):
        call_command("partitions", "add", "4117231", stdout=StringIO())
    other_county()
    synced = StringIO()
    call_command("partitions", "sync", stdout=synced)
    assert "nothing to do" in synced.getvalue()  # the new county got its partition when it was created
