"""GET /api/v1/persons: one query for the rows however many match, the same rows and order as the
registry's search, each ID number shown masked and no resident's phone opened."""

from __future__ import annotations

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from jisheng.core.crypto import fields
from jisheng.core.masking import mask_id
from jisheng.registry.codes import Sex
from jisheng.registry.models import Household
from jisheng.registry.queries import SearchCriteria, person_search
from tests.factories import make_person

# Session, the user with their roles and area in one statement (every staff request), then the matching persons with their households.
SEARCH_API_QUERIES = 3


def _people(areas, count: int) -> None:
    household, _new = Household.objects.get_or_create(number="H411723009", area=areas["village_a"])
    for n in range(count):
        make_person(
            area=areas["village_a"],
            name=f"张{'一二三四五六七八九十'[n % 10]}{n}",
            sex=Sex.MALE if n % 2 else Sex.FEMALE,
            birth=datetime.date(1980 + n, 1, 1),
            household=household if n % 3 == 0 else None,
        )


def _queries(client, **params) -> tuple[int, list[dict]]:
    with CaptureQueriesContext(connection) as context:
        response = client.get("/api/v1/persons", params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return len(context.captured_queries), response.json()


def test_the_person_search_api_runs_a_fixed_number_of_queries_however_many_rows(
    areas, make_user, client_for
) -> None:
    user = make_user(areas["township_a"], "counter_clerk")
    client = client_for(user)
    client.get("/api/v1/persons", {"q": "z"})
    _people(areas, 2)
    few, rows = _queries(client, q="z")
    assert (few, len(rows)) == (SEARCH_API_QUERIES, 2)
    _people(areas, 30)
    many, rows = _queries(client, q="z")
    assert (many, len(rows)) == (SEARCH_API_QUERIES, 32)


def test_the_person_search_api_answers_the_registry_searchs_rows_in_its_order(
    areas, make_user, client_for
) -> None:
    user = make_user(areas["township_a"], "counter_clerk")
    _people(areas, 12)
    make_person(area=areas["village_b"], name="张外镇", sex=Sex.MALE, birth=datetime.date(1990, 1, 1))

    _count, rows = _queries(client_for(user), q="z", limit=10)

    expected = [
        {
            "id": person.pk,
            "name": person.name,
            "id_number_masked": mask_id(person.id_number),
            "sex": person.sex,
            "birth_date": person.birth_date.isoformat(),
            "village_code": person.residence_area_id,
            "household_number": person.household.number if person.household_id else None,
            "status": person.status,
        }
        for person in person_search(user, SearchCriteria(q="z"), limit=10)
    ]
    assert rows == expected and len(rows) == 10
    assert "张外镇" not in {row["name"] for row in rows}
    assert all("*" in row["id_number_masked"] for row in rows)
    assert {row["household_number"] for row in rows} == {"H411723009", None}


def test_the_person_search_api_opens_the_id_numbers_it_masks_and_no_residents_phone(
    areas, make_user, client_for, monkeypatch
) -> None:
    user = make_user(areas["township_a"], "counter_clerk")
    client = client_for(user)
    _people(areas, 3)
    opened: list[str] = []
    unseal = fields.unseal

    def recording_unseal(value: str, *, purpose: str) -> str:
        opened.append(purpose)
        return unseal(value, purpose=purpose)

    monkeypatch.setattr(fields, "unseal", recording_unseal)
    _count, rows = _queries(client, q="z")

    assert len(rows) == 3
    assert opened.count("registry.person.id_number") == 3
    assert "registry.person.phone" not in opened
