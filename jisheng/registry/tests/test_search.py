import datetime

import pytest

from jisheng.registry.codes import Sex
from jisheng.registry.queries import SearchCriteria, person_search
from jisheng.registry.tests.scoping import make_person


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


def test_full_id_and_last_digits_find_the_person(areas, make_user, people):
    user = make_user(areas["township_a"], "counter_clerk")
    person = people["zhangsan"]
    assert names(user, q=person.id_number) == ["张三"]
    assert "张三" in names(user, q=person.id_number[-6:])


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
