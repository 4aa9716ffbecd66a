"""The table of the live persons' ID numbers across counties (PostgreSQL; ``registry.live_ids``): the
database keeps it on every write, whatever path wrote; it refuses a second live person of a number in
another county; the import finds the holders of its numbers through it; conversions and bulk loads
keep it whole."""

import datetime
import re
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from jisheng.core import partitions
from jisheng.registry import live_ids
from jisheng.registry.bulkload import indexes_rebuilt_after, insert_rows, next_ids, now
from jisheng.registry.imports.engine import run_import
from jisheng.registry.models import Person
from jisheng.registry.tests.test_partitions import other_county
from tests.factories import SETUP, make_id, make_person

BIRTH = datetime.date(1990, 5, 5)
pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="one table of persons on SQLite: its ID index is the look-up"
)


def table() -> dict[str, tuple[int, str]]:
    """The table's rows: sealed number → (person id, county)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id_number, person_id, county_code FROM {live_ids.TABLE}")
        return {number: (person, county) for number, person, county in cursor.fetchall()}


def live_persons() -> dict[str, tuple[int, str]]:
    """What the table should hold, read from the persons themselves (their numbers as stored, sealed)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, id, county_code FROM registry_person "
            "WHERE merged_into_id IS NULL AND id_number <> ''"
        )
        return {number: (person, county) for number, person, county in cursor.fetchall()}


def sealed(person: Person) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM registry_person WHERE id = %s", [person.pk])
        return str(cursor.fetchone()[0])


def row_version(number: str) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT xmin::text FROM {live_ids.TABLE} WHERE id_number = %s", [number])
        return cursor.fetchone()[0]


def test_every_write_to_a_person_is_followed_whatever_path_wrote_it(areas):
    elsewhere = other_county()
    zhao = make_person(area=areas["village_a"], name="赵六", sex="1", birth=BIRTH)
    qian = make_person(area=areas["village_a"], name="钱七", sex="2", birth=BIRTH)
    nameless = Person.objects.create(
        name="孙八", id_number="", sex="1", birth_date=BIRTH, residence_area=elsewhere["village"]
    )
    assert table() == live_persons() and len(table()) == 2

    # a corrected phone leaves the entry as it was (the trigger rewrites only what it follows)
    before = row_version(sealed(zhao))
    Person.objects.filter(pk=zhao.pk).update(phone="13912345678")
    assert row_version(sealed(zhao)) == before

    # a move to another county: the row changes partition, the entry its county
    zhao.residence_area = elsewhere["village"]
    zhao.save()
    assert table()[sealed(zhao)] == (zhao.pk, "411729")

    # a number given, a number corrected, numbers swapped in one statement between two counties (the
    # person table's keys are per county; this table's one key is checked after the whole statement)
    Person.objects.filter(pk=nameless.pk).update(id_number=make_id(BIRTH, "1"))
    Person.objects.filter(pk=qian.pk).update(id_number=make_id(BIRTH, "2"))
    assert table() == live_persons() and len(table()) == 3
    of_qian, of_nameless = sealed(qian), sealed(nameless)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE registry_person SET id_number = CASE id WHEN %s THEN %s ELSE %s END WHERE id IN (%s, %s)",
            [qian.pk, of_nameless, of_qian, qian.pk, nameless.pk],
        )
    assert table()[of_qian][0] == nameless.pk and table()[of_nameless][0] == qian.pk

    # a deletion and a truncation
    Person.objects.filter(pk=qian.pk).delete()
    assert table() == live_persons() and len(table()) == 2
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred key checks queued above
        cursor.execute("TRUNCATE registry_person CASCADE")
    assert table() == {}


def test_a_merged_record_leaves_it_and_its_survivor_stays(areas):
    survivor = make_person(area=areas["village_a"], name="赵六", sex="1", birth=BIRTH)
    duplicate = Person.objects.create(
        name="赵六", id_number="", sex="1", birth_date=BIRTH, residence_area=areas["village_b"]
    )
    Person.objects.filter(pk=duplicate.pk).update(id_number=make_id(BIRTH, "1"))
    assert len(table()) == 2
    duplicate.merged_into = survivor  # as duplicates.merge does
    duplicate.save(update_fields=["merged_into", "updated_at"])
    assert table() == {sealed(survivor): (survivor.pk, "411723")}


def test_a_second_live_person_of_a_number_in_another_county_is_refused_by_the_database(areas):
    registered = make_person(area=areas["village_a"], name="赵六", sex="1", birth=BIRTH)
    elsewhere = other_county()
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(
            name="赵六",
            id_number=registered.id_number,
            sex="1",
            birth_date=BIRTH,
            residence_area=elsewhere["village"],
        )
    assert table() == {sealed(registered): (registered.pk, "411723")}


def test_the_import_finds_a_number_registered_in_another_county_and_refuses_the_row(tmp_path, areas):
    elsewhere = other_county()
    number = make_id(BIRTH, "1")
    make_person(area=elsewhere["village"], name="赵六", sex="1", birth=BIRTH, id_number=number)
    path = tmp_path / "roster.csv"
    path.write_text(f"姓名,身份证号,村代码\n赵六,{number},{areas['village_a'].code}\n", encoding="utf-8")
    result = run_import(path=path, kind="persons", by=SETUP)
    assert result.created == 0 and len(result.errors) == 1
    assert "登记在其他村" in str(result.errors[0])
    assert Person.objects.count() == 1


def test_a_bulk_load_with_triggers_off_fills_it_at_the_end(areas):
    make_person(area=areas["village_a"], name="赵六", sex="1", birth=BIRTH)
    first = next_ids(Person)
    rows = []
    for n in range(3):
        person = Person(
            pk=first + n,
            name=f"钱{n}",
            id_number=make_id(BIRTH, "2"),
            sex="2",
            birth_date=BIRTH,
            residence_area=areas["village_b"],
            created_at=now(),
            updated_at=now(),
        )
        person.fill_search_fields()
        rows.append(
            [getattr(person, f.attname) for f in Person._meta.concrete_fields if f.name != "county_code"]
        )
    with transaction.atomic(), indexes_rebuilt_after(Person):
        insert_rows(Person, rows)
    assert table() == live_persons() and len(table()) == 4


def test_converting_the_person_table_both_ways_keeps_its_triggers(areas):
    with connection.schema_editor(atomic=False) as editor:
        partitions.convert_table(editor, "registry_person", "county_code", [], partitioned=False)
        plain = make_person(area=areas["village_a"], name="赵六", sex="1", birth=BIRTH)
        assert sealed(plain) in table()
        partitions.convert_table(editor, "registry_person", "county_code", ["411723"], partitioned=True)
    again = make_person(area=areas["village_a"], name="钱七", sex="2", birth=BIRTH)
    assert table() == live_persons() and sealed(again) in table()


def test_the_migration_fills_it_from_the_persons_already_registered_keeping_the_first_of_a_pair(areas):
    elsewhere = other_county()
    first = make_person(area=areas["village_a"], name="赵六", sex="1", birth=BIRTH)
    make_person(area=areas["village_b"], name="钱七", sex="2", birth=BIRTH)
    with connection.cursor() as cursor:
        live_ids.uninstall(cursor)
    # a pair registered in two counties before the table existed (the check was a look-up)
    Person.objects.create(
        name="赵六", id_number=first.id_number, sex="1", birth_date=BIRTH, residence_area=elsewhere["village"]
    )
    with connection.cursor() as cursor:
        live_ids.install(cursor)
    expected = live_persons()
    expected[sealed(first)] = (first.pk, "411723")
    assert table() == expected and len(expected) == 2


def test_a_city_account_opening_a_person_file_reads_the_person_in_their_countys_partition_only(
    areas, make_user
):
    from django.test.utils import CaptureQueriesContext

    from jisheng.areas.models import Area
    from jisheng.registry.queries import visible_person

    other_county()
    city_clerk = make_user(Area.objects.get(code="411700000000"), "county_staff")
    person = make_person(area=areas["village_a"], name="赵六", sex="1", birth=BIRTH)
    nameless = Person.objects.create(
        name="孙八", id_number="", sex="1", birth_date=BIRTH, residence_area=areas["village_b"]
    )
    with CaptureQueriesContext(connection) as captured:
        assert visible_person(city_clerk, person.pk) == person
    [read] = [q["sql"] for q in captured.captured_queries if 'FROM "registry_person"' in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + read)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert set(re.findall(r"\b(registry_person_(?:\d{6}|default))(?!\w)", plan)) == {"registry_person_411723"}
    # someone the table does not hold (no ID number yet) is still found, in every county
    assert visible_person(city_clerk, nameless.pk) == nameless
    # and the county found never widens what the account may see
    township_clerk = make_user(areas["township_b"], "county_staff")
    assert visible_person(township_clerk, person.pk) is None
