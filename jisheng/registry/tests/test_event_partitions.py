"""Births, marriages, contraception records, residence periods and households partitioned by county on
PostgreSQL, like persons: the county each row carries (the one that recorded it), the partitions, the conversion
of tables holding rows, and a county's month report and a person's file reading only the partitions
they need.

The county codes and the person file are checked on both databases; what needs partitions runs on
PostgreSQL only (SQLite keeps plain tables)."""

import datetime
import re
from typing import Any

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from jisheng.core import partitions
from jisheng.registry import services
from jisheng.registry.bulkload import insert_rows, next_ids
from jisheng.registry.models import Birth, Contraception, Household, Marriage, Person, ResidencePeriod
from jisheng.registry.queries import person_file
from jisheng.registry.tests.test_partitions import other_county
from jisheng.registry.validation import Refusal
from jisheng.reporting.measures import MEASURES, scoped_rows
from tests.factories import make_person

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite keeps plain tables: partitions are PostgreSQL's"
)
EVENT_TABLES = [
    "registry_birth",
    "registry_marriage",
    "registry_contraception",
    "registry_residenceperiod",
    "registry_household",
]
NOVEMBER = (datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))


def couple(village: Any, *, wife: str = "王芳", husband: str = "李强") -> tuple[Person, Person]:
    her = make_person(area=village, name=wife, sex="2", birth=datetime.date(1990, 1, 1))
    him = make_person(area=village, name=husband, sex="1", birth=datetime.date(1988, 1, 1))
    return her, him


def family(village: Any, officer: Any, **names: str) -> tuple[Person, Person]:
    """A couple of ``village`` and its household, married in 2014, with a child born in 2016 and her
    IUD since."""
    wife, husband = couple(village, **names)
    services.household_join(person=wife, number=f"H{wife.pk}", relation="01", by=officer)
    services.marriage_record(husband=husband, wife=wife, date=datetime.date(2014, 5, 1), by=officer)
    services.birth_record(
        mother=wife, father=husband, date=datetime.date(2016, 2, 3), sex="1", child_name="李小", by=officer
    )
    services.contraception_record(person=wife, method="700", start_date=datetime.date(2016, 8, 1), by=officer)
    return wife, husband


def move(person: Person, village: Any, on: datetime.date) -> None:
    """A move as the registry records it: the running period ends, one starts in the new village."""
    ResidencePeriod.objects.filter(person=person, end_date__isnull=True).update(end_date=on)
    ResidencePeriod.objects.create(person=person, area_code=village.code, start_date=on)
    person.residence_area = village
    person.save(update_fields=["residence_area", "updated_at"])


def test_every_event_carries_the_county_that_recorded_it_however_it_was_written(areas, make_user):
    elsewhere = other_county()
    wife, husband = family(areas["village_a"], make_user(areas["township_a"], "township_head"))
    [bulk] = Contraception.objects.bulk_create(
        [
            Contraception(
                person=husband, method="100", start_date=datetime.date(2017, 1, 1), area=elsewhere["village"]
            )
        ]
    )
    first = next_ids(Contraception)
    insert_rows(Contraception, [(first, wife.pk, "700", datetime.date(2018, 1, 1), None, "", "411729100201")])
    assert [Marriage.objects.get().county_code, Birth.objects.get().county_code] == ["411723", "411723"]
    assert dict(Contraception.objects.values_list("pk", "county_code")) == {
        Contraception.objects.get(start_date=datetime.date(2016, 8, 1)).pk: "411723",
        bulk.pk: "411729",
        first: "411729",
    }
    move(wife, elsewhere["village"], datetime.date(2020, 3, 1))
    periods = ResidencePeriod.objects.filter(person=wife).order_by("start_date")
    assert [p.county_code for p in periods] == ["411723", "411729"]
    assert Birth.objects.get().county_code == "411723"  # an event stays where it was recorded
    household = Household.objects.get()
    assert household.county_code == "411723"
    [loaded] = Household.objects.bulk_create([Household(number="H-2", area=elsewhere["village"])])
    assert Household.objects.get(pk=loaded.pk).county_code == "411729"


def test_no_reference_to_a_household_is_a_database_foreign_key():
    """Households are partitioned too: every reference to one is kept by the services."""
    constrained = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model is Household and field.db_constraint
    ]
    assert constrained == []


def test_a_household_number_registered_in_one_county_is_refused_in_another(areas, make_user):
    elsewhere = other_county()
    wife, _husband = family(areas["village_a"], make_user(areas["township_a"], "township_head"))
    with pytest.raises(Refusal):
        services.household_create(
            by=make_user(elsewhere["township"], "township_head"),
            number=f"H{wife.pk}",
            area=elsewhere["village"],
        )


def test_a_county_read_of_events_filters_on_the_partition_key_and_a_city_read_does_not(areas, make_user):
    county = make_user(areas["township_a"], "township_head")
    city = make_user(areas["city"], "city_staff")
    for model in (Birth, Marriage, Contraception, Household):
        assert '"county_code" = 411723' in str(model.objects.visible_to(county).query).replace("'", "")
        assert "county_code" not in str(model.objects.visible_to(city).query).split("WHERE")[1]


def test_a_person_file_finds_the_events_of_every_county_she_lived_in_and_a_mans_in_his_wifes(
    areas, make_user
):
    """The file names the counties the person lived in (PostgreSQL then reads their partitions only):
    a woman who moved keeps her marriage, child and contraception of the county she left; a man's
    marriage and children are recorded in his wife's county, which he may never have lived in."""
    elsewhere = other_county()
    there = make_user(elsewhere["township"], "township_head")
    wife, _ = family(elsewhere["village"], there)
    move(wife, areas["village_a"], datetime.date(2020, 3, 1))
    child = Birth.objects.get().child
    assert child is not None
    bride = make_person(area=elsewhere["village"], name="赵敏", sex="2", birth=datetime.date(1991, 1, 1))
    groom = make_person(area=areas["village_b"], name="钱进", sex="1", birth=datetime.date(1989, 1, 1))
    services.marriage_record(husband=groom, wife=bride, date=datetime.date(2021, 6, 1), by=there)
    officer = make_user(areas["city"], "city_staff")
    hers, childs, his = (person_file(p, officer) for p in (wife, child, groom))
    assert [len(hers.marriages), len(hers.births_as_parent), len(hers.contraception)] == [1, 1, 1]
    assert childs.own_birth is not None and childs.own_birth.mother_id == wife.pk
    assert hers.household is not None and hers.household.area_id == elsewhere["village"].code
    assert [m.wife_id for m in his.marriages] == [bride.pk]
    stranger = person_file(
        make_person(area=areas["village_b"], name="孙丽", sex="2", birth=datetime.date(1992, 1, 1)), officer
    )
    assert stranger.marriages == [] and stranger.births_as_parent == [] and stranger.contraception == []


def partitions_read(sql: str, params: Any = None) -> set[str]:
    """The partitions of the event tables the plan reads. A join or subquery to persons (the child
    merged away, the woman's age and status) reads the person table by key in every county: the
    person may live in another county since the event was recorded."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return set(re.findall(rf"\b((?:{'|'.join(EVENT_TABLES)})_(?:\d{{6}}|default))(?!\w)", plan))


@needs_postgresql
def test_the_event_tables_are_partitioned_with_one_partition_per_county_and_a_default(areas, make_user):
    for table in EVENT_TABLES:
        assert partitions.counties_with_partitions(connection, table) == ["411723"]
    elsewhere = other_county()
    for table in EVENT_TABLES:
        assert partitions.counties_with_partitions(connection, table) == ["411723", "411729"]
    family(elsewhere["village"], make_user(elsewhere["township"], "township_head"))
    with connection.cursor() as cursor:
        for table in EVENT_TABLES:
            cursor.execute(f"SELECT DISTINCT tableoid::regclass::text FROM {table}")
            assert [row[0] for row in cursor.fetchall()] == [f"{table}_411729"]


@needs_postgresql
def test_the_conversion_of_the_event_tables_keeps_their_rows_and_unique_keys_both_ways(areas, make_user):
    family(areas["village_a"], make_user(areas["township_a"], "township_head"))
    before = {table: _rows(table) for table in EVENT_TABLES}
    with connection.schema_editor(atomic=False) as editor:
        for table in EVENT_TABLES:
            partitions.convert_table(editor, table, "county_code", [], partitioned=False)
            assert partitions.counties_with_partitions(connection, table) == []
            assert _rows(table) == before[table]
        assert _unique_constraint("registry_marriage") == ["registry_marriage_unique_in_county"]
        for table in EVENT_TABLES:
            partitions.convert_table(editor, table, "county_code", ["411723"], partitioned=True)
            assert partitions.counties_with_partitions(connection, table) == ["411723"]
            assert _rows(table) == before[table]
    assert _unique_constraint("registry_marriage") == ["registry_marriage_unique_in_county"]
    marriage = Marriage.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Marriage.objects.create(
            husband_id=marriage.husband_id,
            wife_id=marriage.wife_id,
            date=marriage.date,
            area_id=marriage.area_id,
        )
    birth = Birth.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Birth.objects.create(
            child_id=birth.child_id,
            mother_id=birth.mother_id,
            date=birth.date,
            birth_order=2,
            sex="1",
            area_id=birth.area_id,
        )
    newer = Contraception.objects.create(
        person_id=birth.mother_id, method="100", start_date=datetime.date(2019, 1, 1), area_id=birth.area_id
    )
    assert newer.pk > max(Contraception.objects.exclude(pk=newer.pk).values_list("pk", flat=True))


def _rows(table: str) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} ORDER BY id")
        return list(cursor.fetchall())


def _unique_constraint(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'u'", [table]
        )
        return [row[0] for row in cursor.fetchall()]


@needs_postgresql
def test_a_countys_month_report_reads_only_that_countys_partitions_of_the_event_tables(areas, make_user):
    elsewhere = other_county()
    family(areas["village_a"], make_user(areas["township_a"], "township_head"))
    family(
        elsewhere["village"], make_user(elsewhere["township"], "township_head"), wife="赵敏", husband="钱进"
    )
    for name in (
        "births",
        "marriages",
        "contraception_new",
        "married_women_contracepting",
        "moves_in",
        "moves_out",
    ):
        for prefix, county in (("411723", "411723"), ("411723101", "411723"), ("411729", "411729")):
            rows = scoped_rows(MEASURES[name], *NOVEMBER, prefix, {})
            read = partitions_read(*rows.query.sql_with_params())
            assert read and {p.rsplit("_", 1)[1] for p in read} == {county}, (name, prefix, read)
    city = scoped_rows(MEASURES["births"], *NOVEMBER, "4117", {})
    assert partitions_read(*city.query.sql_with_params()) >= {
        "registry_birth_411723",
        "registry_birth_411729",
    }


@needs_postgresql
def test_a_womans_file_reads_only_the_partitions_of_the_counties_she_lived_in(areas, make_user):
    other_county()
    wife, _husband = family(areas["village_a"], make_user(areas["township_a"], "township_head"))
    with CaptureQueriesContext(connection) as captured:
        person_file(wife, make_user(areas["county"], "county_staff"))
    reads = [
        q["sql"]
        for q in captured.captured_queries
        if re.search(r'FROM "registry_(birth|marriage|contraception|household)"', q["sql"])
    ]
    assert len(reads) == 4  # her household, marriages, births (as mother and her own), contraception
    for sql in reads:
        read = partitions_read(sql)
        assert read and {p.rsplit("_", 1)[1] for p in read} == {"411723"}, (sql, read)
