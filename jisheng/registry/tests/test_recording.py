"""Recording people and events from the pages: each form goes through its service, refusals come
back on the form, and read-only roles cannot record anything."""

import datetime

import pytest

from jisheng.registry.models import Birth, Contraception, Marriage, Person
from tests.factories import make_id, make_person


@pytest.fixture
def officer(areas, make_user):
    return make_user(areas["village_a"], "village_officer")


def test_an_officer_registers_a_new_resident_in_her_village(areas, officer, client_for):
    number = make_id(datetime.date(1992, 4, 5), "2")
    response = client_for(officer).post(
        "/registry/persons/new/", {"name": "周敏", "id_number": number, "village": areas["village_a"].code}
    )
    person = Person.objects.get(id_number=number)
    assert response.status_code == 302 and person.birth_date == datetime.date(1992, 4, 5)


def test_a_bad_id_number_comes_back_on_the_form_in_chinese(areas, officer, client_for):
    valid = make_id(datetime.date(1992, 4, 5), "2")
    wrong_check = valid[:17] + ("1" if valid[17] != "1" else "2")
    response = client_for(officer).post(
        "/registry/persons/new/",
        {"name": "周敏", "id_number": wrong_check, "village": areas["village_a"].code},
    )
    assert "校验位不正确" in response.content.decode() and not Person.objects.exists()


def test_births_marriages_and_contraception_are_recorded_from_the_person_file(areas, officer, client_for):
    client = client_for(officer)
    wife = make_person(area=areas["village_a"], name="王芳", sex="2", birth=datetime.date(1990, 1, 1))
    husband = make_person(area=areas["village_a"], name="李强", sex="1", birth=datetime.date(1988, 1, 1))
    client.post(
        f"/registry/persons/{wife.pk}/record/marriage/",
        {"spouse_id_number": husband.id_number, "date": "2014-05-01", "kind": "21"},
    )
    client.post(
        f"/registry/persons/{wife.pk}/record/birth/", {"child_name": "李小", "date": "2016-02-03", "sex": "1"}
    )
    client.post(
        f"/registry/persons/{wife.pk}/record/contraception/", {"method": "700", "start_date": "2016-08-01"}
    )
    assert Marriage.objects.get().husband_id == husband.pk
    birth = Birth.objects.get()
    assert birth.father_id == husband.pk and birth.child.name == "李小"
    assert Contraception.objects.get().person_id == wife.pk


def test_an_auditor_cannot_record_anything(areas, make_user, client_for):
    wife = make_person(area=areas["village_a"], name="王芳", sex="2", birth=datetime.date(1990, 1, 1))
    client = client_for(make_user(areas["county"], "auditor"))
    response = client.post(
        f"/registry/persons/{wife.pk}/record/contraception/", {"method": "700", "start_date": "2016-08-01"}
    )
    assert response.status_code == 403 and not Contraception.objects.exists()
