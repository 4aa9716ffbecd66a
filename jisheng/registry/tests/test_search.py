import datetime

import pytest

from jisheng.registry.codes import Sex
from jisheng.registry.queries import SearchCriteria, person_search
from tests.factories import SETUP, make_id, make_person


@pytest.fixture
def people(areas):
    return {
        "zhangsan": make_person(
            area=areas["village_a"], name="张三", sex=Sex.MALE, birth=datetime.date(1985, 3, 2)
        ),
        "shan": make_person(
            area=areas["village_a"], name="单田芳", sex=Sex.MALE, birth=datetime.date(1960, 1, 1)
        ),
        "other": make_person(
            area=areas["village_b"], name="张山", sex=Sex.MALE, birth=datetime.date(1990, 1, 1)
        ),
        "young": make_person(
            area=areas["village_a2"], name="李小", sex=Sex.FEMALE, birth=datetime.date(2015, 1, 1)
        ),
    }


def names(user, **criteria):
    return [person.name for person in person_search(user, SearchCriteria(**criteria))]


def test_zs_and_zhangsan_find_zhang_san(areas, make_user, people):
    user = make_user(areas["township_a"], "counter_clerk")
    assert names(user, q="zs") == ["张三"]
    assert names(user, q="zhangsan") == ["张三"]
    assert names(user, q="张") == ["张三"]


def test_a_heteronym_surname_is_found_under_both_readings(areas, make_user, people):
    user = make_user(areas["township_a"], "counter_clerk")
    assert names(user, q="shantian") == ["单田芳"]
    assert names(user, q="dantian") == ["单田芳"]
    assert names(user, q="stf") == ["单田芳"]


def test_full_id_and_last_four_digits_find_the_person(areas, make_user, people):
    user = make_user(areas["township_a"], "counter_clerk")
    person = people["zhangsan"]
    assert names(user, q=person.id_number) == ["张三"]
    assert "张三" in names(user, q=person.id_number[-4:])


def test_the_sealed_id_number_is_not_searched_by_a_part_other_than_its_last_four(areas, make_user, people):
    """The column is sealed (SM4): the search finds the whole number or, through a keyed index, its
    last four characters; a prefix or another part finds nothing rather than scanning."""
    user = make_user(areas["township_a"], "counter_clerk")
    person = people["zhangsan"]
    assert names(user, q=person.id_number[-6:]) == []
    assert names(user, q=person.id_number[:10]) == []


def test_results_never_leave_the_users_area(areas, make_user, people):
    user = make_user(areas["township_a"], "counter_clerk")
    assert "张山" not in names(user, q="zs")
    assert names(user, q=people["other"].id_number) == []
    county = make_user(areas["county"], "county_staff")
    assert sorted(names(county, q="zs")) == ["张三", "张山"]


def test_age_band_status_and_area_filters(areas, make_user, people):
    user = make_user(areas["county"], "county_staff")
    assert names(user, age_max=15) == ["李小"]
    assert names(user, area_code=areas["village_a2"].code) == ["李小"]
    assert names(user, status="dead") == []


def test_household_number_finds_the_members(areas, make_user):
    from jisheng.registry.models import Household

    household = Household.objects.create(number="H411723001", area=areas["village_a"])
    make_person(
        area=areas["village_a"],
        name="周一",
        sex=Sex.MALE,
        birth=datetime.date(1970, 1, 1),
        household=household,
    )
    user = make_user(areas["township_a"], "counter_clerk")
    assert names(user, household="H411723001") == ["周一"]


def test_the_api_searches_as_the_page_does_scoped_to_the_caller(areas, make_user, client_for, people):
    client = client_for(make_user(areas["township_a"], "counter_clerk"))
    response = client.get("/api/v1/persons", {"q": "zs"})
    assert response.status_code == 200
    body = response.json()
    assert [row["name"] for row in body] == ["张三"]
    assert body[0]["id_number_masked"].startswith("412827") and "*" in body[0]["id_number_masked"]


def test_the_api_reads_a_full_width_name_id_or_area_as_the_page_does(areas, make_user, client_for, people):
    client = client_for(make_user(areas["township_a"], "counter_clerk"))
    last_four = (
        people["zhangsan"].id_number[-4:].translate(str.maketrans("0123456789X", "０１２３４５６７８９ｘ"))
    )
    assert [row["name"] for row in client.get("/api/v1/persons", {"q": last_four}).json()] == ["张三"]
    in_village = client.get("/api/v1/persons", {"q": "z", "area": "４１１７２３１０１２０１"}).json()
    assert sorted(row["name"] for row in in_village) == ["张三"]


def test_the_search_page_returns_only_the_results_to_htmx(areas, make_user, client_for, people):
    client = client_for(make_user(areas["township_a"], "counter_clerk"))
    full = client.get("/registry/", {"q": "zs"})
    partial = client.get("/registry/", {"q": "zs"}, HTTP_HX_REQUEST="true")
    assert "张三" in full.content.decode() and "<html" in full.content.decode()
    assert "张三" in partial.content.decode() and "<html" not in partial.content.decode()


def test_export_keeps_id_numbers_as_text(areas, make_user, client_for, people):
    import io

    from openpyxl import load_workbook

    client = client_for(make_user(areas["township_a"], "counter_clerk"))
    response = client.post("/registry/export/", {"q": "zs", "reason": "核对名单"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][1] == people["zhangsan"].id_number
    assert sheet.cell(row=2, column=2).data_type == "s"


# ---- names in traditional characters: kept as written, found in simplified ------------------------


@pytest.fixture
def traditional(areas):
    return make_person(area=areas["village_a"], name="張偉", sex=Sex.MALE, birth=datetime.date(1988, 3, 5))


def test_a_name_in_traditional_characters_is_kept_as_written_and_found_in_simplified(
    areas, make_user, traditional
):
    user = make_user(areas["township_a"], "counter_clerk")
    assert traditional.name == "張偉" and traditional.name_simplified == "张伟"
    assert names(user, q="张伟") == ["張偉"]
    assert names(user, q="张") == ["張偉"]


def test_typing_traditional_characters_finds_simplified_names_too(areas, make_user, traditional, people):
    user = make_user(areas["township_a"], "counter_clerk")
    make_person(area=areas["village_a"], name="张伟", sex=Sex.MALE, birth=datetime.date(1990, 3, 5))
    assert sorted(names(user, q="張偉")) == ["张伟", "張偉"]
    assert sorted(names(user, q="張")) == ["张三", "张伟", "張偉"]


def test_pinyin_and_initials_still_find_a_traditional_name(areas, make_user, traditional):
    user = make_user(areas["township_a"], "counter_clerk")
    assert names(user, q="zhangwei") == ["張偉"]
    assert names(user, q="zw") == ["張偉"]


def test_a_phone_typed_with_its_country_prefix_finds_the_person(areas, make_user, people):
    user = make_user(areas["township_a"], "counter_clerk")
    assert "张三" in names(user, q="+86 138 0000 0000")


def test_an_id_look_up_accepts_full_width_digits_and_a_lower_case_x(people):
    from jisheng.registry.queries import person_by_id_number

    number = people["zhangsan"].id_number
    typed = number.lower().translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert person_by_id_number(f" {typed[:6]} {typed[6:]} ") == people["zhangsan"]


def test_the_migration_fills_the_simplified_key_of_names_already_registered(areas, traditional):
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    from jisheng.registry.models import Person

    Person.objects.filter(pk=traditional.pk).update(name_simplified=None)
    migration = importlib.import_module("jisheng.registry.migrations.0006_backfill_name_simplified")
    migration.fill(apps, SimpleNamespace(connection=connection))
    traditional.refresh_from_db()
    assert traditional.name_simplified == "张伟"


def test_any_path_that_saves_a_person_fills_the_simplified_key(areas):
    from jisheng.registry.models import Person

    person = Person.objects.create(
        name="陳麗華",
        id_number=make_id(datetime.date(1990, 1, 1), Sex.FEMALE),
        sex=Sex.FEMALE,
        birth_date=datetime.date(1990, 1, 1),
        residence_area=areas["village_a"],
    )
    assert Person.objects.get(pk=person.pk).name_simplified == "陈丽华"
    person.name = "陈丽华"
    person.save(update_fields=["name"])
    assert Person.objects.get(pk=person.pk).name_simplified is None


def test_an_imported_name_in_traditional_characters_is_kept_and_found_in_simplified(
    tmp_path, areas, make_user
):
    from jisheng.registry.imports.engine import run_import

    number = make_id(datetime.date(1979, 12, 1), Sex.MALE)
    path = tmp_path / "traditional.csv"
    path.write_text(f"姓名,身份证号,村代码\n張偉,{number},{areas['village_a'].code}\n", encoding="utf-8-sig")
    result = run_import(path=path, kind="persons", by=SETUP)
    assert result.created == 1 and not result.errors
    user = make_user(areas["township_a"], "counter_clerk")
    assert names(user, q="张伟") == ["張偉"]
    assert names(user, q="zhangwei") == ["張偉"]


def test_a_city_reader_finds_a_name_in_two_counties_with_each_persons_household(areas, make_user):
    """Above a county the search reads the name index of every county and each person's household in
    the persons' own counties afterwards; the same rows and households as a county reader sees in each,
    and a household registered in another county than its member's residence is still found."""
    from jisheng.registry.models import Household
    from jisheng.registry.tests.test_partitions import other_county

    elsewhere = other_county()
    here = Household.objects.create(number="H411723009", area=areas["village_a"])
    there = Household.objects.create(number="H411729009", area=elsewhere["village"])
    make_person(
        area=areas["village_a"], name="王伟", sex=Sex.MALE, birth=datetime.date(1980, 1, 1), household=here
    )
    make_person(
        area=elsewhere["village"], name="王伟", sex=Sex.MALE, birth=datetime.date(1981, 1, 1), household=there
    )
    # Lives in 平舆县, registered in a household of 新蔡县.
    make_person(
        area=areas["village_b"], name="王伟华", sex=Sex.MALE, birth=datetime.date(1982, 1, 1), household=there
    )
    make_person(area=elsewhere["village"], name="李伟", sex=Sex.MALE, birth=datetime.date(1983, 1, 1))

    city = make_user(areas["city"], "city_staff")
    found = person_search(city, SearchCriteria(q="王伟"))
    assert sorted((p.name, p.birth_date.year, p.household.number) for p in found) == [
        ("王伟", 1980, "H411723009"),
        ("王伟", 1981, "H411729009"),
        ("王伟华", 1982, "H411729009"),
    ]
    county = make_user(areas["county"], "county_staff")
    assert sorted(p.name for p in person_search(county, SearchCriteria(q="王伟"))) == ["王伟", "王伟华"]
    assert names(city, q="wangwei") == names(city, q="王伟")


def test_a_township_clerks_search_by_surname_is_led_by_the_name_index_and_checks_the_area_per_row(
    areas, make_user, people
):
    """A county's "王" is thousands of persons. On SQLite the search reads the name index and checks
    the clerk's area on each row it finds, so the LIMIT stops at the page: not the area index (a whole
    county read for "zs"), not a subquery gathering every match first. PostgreSQL weighs the indexes
    itself and keeps its own plan."""
    from django.db import connection

    from jisheng.registry.queries import person_search_queryset

    clerk = make_user(areas["township_a"], "counter_clerk")
    for village in ("village_a", "village_b"):
        make_person(area=areas[village], name="王伟", sex=Sex.MALE, birth=datetime.date(1980, 1, 1))
    assert names(clerk, q="王") == ["王伟"]
    sql, params = person_search_queryset(clerk, SearchCriteria(q="王")).query.sql_with_params()
    if connection.vendor != "sqlite":
        assert "+" not in sql.split("WHERE", 1)[1]
        return
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
    assert "USING INDEX registry_pe_name" in plan and "SUBQUERY" not in plan, plan
    assert "residen" not in plan, plan
