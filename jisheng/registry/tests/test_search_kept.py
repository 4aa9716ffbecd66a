"""A name or pinyin typed alone is searched through a statement compiled once per kind of text, area,
columns and limit and kept (``search._kept_search``): it finds the same rows as the search compiled
each time, for every kind of text, binds each search's own values, and never shows one area's rows to
a reader of another."""

from __future__ import annotations

import datetime

import pytest

from jisheng.registry import queries, search
from jisheng.registry.codes import Sex
from jisheng.registry.models import Household
from jisheng.registry.queries import SearchCriteria, person_search_values
from tests.factories import make_person

COLUMNS = ("id_number", "sex", "birth_date", "residence_area_id", "household__number", "status")


@pytest.fixture
def people(areas):
    household, _new = Household.objects.get_or_create(number="H411723001", area=areas["village_a"])
    for day, (name, area) in enumerate(
        [
            ("张伟", "village_a"),
            ("張偉", "village_a"),
            ("张伟强", "village_a"),
            ("王芳", "village_a"),
            ("王芳", "village_b"),
            ("欧阳娜娜", "village_a"),
            ("单雄", "village_a"),
        ],
        start=1,
    ):
        make_person(
            area=areas[area],
            name=name,
            sex=Sex.FEMALE,
            birth=datetime.date(1990, 1, day),
            household=household if area == "village_a" else None,
        )


def _compiled_each_time(user, text):
    return sorted(
        queries.person_search_queryset(user, SearchCriteria(q=text))
        .values("pk", "name", "name_pinyin", *COLUMNS)
        .order_by("pk")[:50],
        key=lambda row: row["pk"],
    )


@pytest.mark.parametrize(
    "text", ["张", "张伟", "張偉", "王芳", "zw", "zhangwei", "ouyangnana", "OYNN", "shan"]
)
def test_a_kept_search_finds_what_the_search_compiled_each_time_finds(areas, make_user, people, text) -> None:
    user = make_user(areas["township_a"], "counter_clerk")
    search._search_statements.clear()
    for _twice in range(2):  # compiled and kept, then run from what was kept
        kept = person_search_values(user, SearchCriteria(q=text), COLUMNS)
        assert sorted(kept, key=lambda row: row["pk"]) == _compiled_each_time(user, text)
    assert len(search._search_statements) == 1


def test_a_kept_search_binds_each_texts_own_values(areas, make_user, people) -> None:
    user = make_user(areas["township_a"], "counter_clerk")
    search._search_statements.clear()
    names = {
        text: {row["name"] for row in person_search_values(user, SearchCriteria(q=text), COLUMNS)}
        for text in ("张伟", "王芳", "张伟强", "欧阳")
    }
    assert names == {
        "张伟": {"张伟", "張偉", "张伟强"},
        "王芳": {"王芳"},
        "张伟强": {"张伟强"},
        "欧阳": {"欧阳娜娜"},
    }
    assert len(search._search_statements) == 1  # four names, one statement


def test_a_reader_of_another_area_never_gets_the_rows_of_the_first(areas, make_user, people) -> None:
    here = make_user(areas["township_a"], "counter_clerk")
    village = make_user(areas["village_b"], "village_officer")
    assert len(person_search_values(here, SearchCriteria(q="王芳"), COLUMNS)) == 1
    theirs = person_search_values(village, SearchCriteria(q="王芳"), COLUMNS)
    assert [row["residence_area_id"] for row in theirs] == [areas["village_b"].code]


def test_an_id_number_a_tail_or_a_household_is_searched_as_before_and_not_kept(
    areas, make_user, people
) -> None:
    user = make_user(areas["township_a"], "counter_clerk")
    search._search_statements.clear()
    one = person_search_values(user, SearchCriteria(q="王芳"), COLUMNS)[0]
    for text in (one["id_number"], one["id_number"][-4:], "H411723001"):
        rows = person_search_values(user, SearchCriteria(q=text), COLUMNS)
        assert one["pk"] in {row["pk"] for row in rows}
    assert len(search._search_statements) == 1  # the name's alone


def test_the_kept_look_up_by_id_number_binds_each_number_and_name_and_leads_a_merged_record_to_its_survivor(
    areas, people
) -> None:
    from jisheng.registry.models import Person
    from jisheng.registry.queries import person_by_id_number

    zhang, wang = Person.objects.get(name="张伟"), Person.objects.filter(name="王芳").order_by("pk").first()
    for _twice in range(2):  # compiled and kept, then run from what was kept
        assert person_by_id_number(zhang.id_number) == zhang
        assert person_by_id_number(zhang.id_number, name="张伟") == zhang
        assert person_by_id_number(wang.id_number, name="王芳") == wang
        assert person_by_id_number(wang.id_number, name="张伟") is None
        typed = zhang.id_number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        assert person_by_id_number(typed, name="张伟") == zhang  # full-width digits, as typed on a phone

    Person.objects.filter(pk=wang.pk).update(merged_into=zhang)
    assert person_by_id_number(wang.id_number) == zhang
    assert person_by_id_number(wang.id_number, name="王芳") == zhang
