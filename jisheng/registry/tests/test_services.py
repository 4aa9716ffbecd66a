import datetime

import pytest
from django.core.exceptions import PermissionDenied

from jisheng.audit.models import AuditEvent
from jisheng.registry.codes import MaritalStatus, PersonStatus, Sex
from jisheng.registry.models import Birth, Person
from jisheng.registry.models.people import id_tail_index
from jisheng.registry.services import (
    birth_record,
    death_record,
    marriage_record,
    person_create,
    person_move,
    person_update,
)
from jisheng.registry.validation import Refusal
from tests.factories import make_id


@pytest.fixture
def officer(areas, make_user):
    return make_user(areas["township_a"], "counter_clerk")


def create(officer, area, name, sex, birth):
    return person_create(by=officer, name=name, id_number=make_id(birth, sex), residence_area=area)


def test_creating_a_person_fills_birth_date_sex_and_search_columns_from_the_id_and_is_audited(areas, officer):
    person = create(officer, areas["village_a"], "单田芳", Sex.MALE, datetime.date(1985, 3, 2))
    assert person.birth_date == datetime.date(1985, 3, 2) and person.sex == Sex.MALE
    assert (person.name_initials, person.name_initials_alt) == ("stf", "dtf")
    assert person.id_tail == id_tail_index(person.id_number[-4:])
    assert AuditEvent.objects.filter(action="registry.person_create", object_id=str(person.pk)).exists()


def test_the_same_id_number_cannot_be_registered_twice(areas, officer):
    number = make_id(datetime.date(1985, 3, 2), Sex.MALE)
    person_create(by=officer, name="张三", id_number=number, residence_area=areas["village_a"])
    with pytest.raises(Refusal):
        person_create(by=officer, name="张三", id_number=number, residence_area=areas["village_a2"])


def test_staff_cannot_create_persons_outside_their_area_and_auditors_cannot_create_at_all(areas, make_user):
    number = make_id(datetime.date(1985, 3, 2), Sex.MALE)
    with pytest.raises(PermissionDenied):
        person_create(
            by=make_user(areas["township_a"], "counter_clerk"),
            name="张三",
            id_number=number,
            residence_area=areas["village_b"],
        )
    with pytest.raises(PermissionDenied):
        person_create(
            by=make_user(areas["county"], "auditor"),
            name="张三",
            id_number=number,
            residence_area=areas["village_b"],
        )


def test_a_move_keeps_one_record_with_its_residence_history(areas, make_user):
    county = make_user(areas["county"], "county_staff")
    person = create(county, areas["village_a"], "李四", Sex.MALE, datetime.date(1980, 1, 1))
    person_move(person=person, to_area=areas["village_b"], date=datetime.date(2020, 6, 1), by=county)
    person.refresh_from_db()
    assert person.residence_area_id == areas["village_b"].code
    periods = list(person.residence_periods.values_list("area_code", "end_date"))
    assert periods == [(areas["village_a"].code, datetime.date(2020, 6, 1)), (areas["village_b"].code, None)]
    assert Person.objects.filter(name="李四").count() == 1


def test_a_birth_registers_the_child_with_the_next_birth_order(areas, officer):
    mother = create(officer, areas["village_a"], "王芳", Sex.FEMALE, datetime.date(1990, 1, 1))
    first = birth_record(
        mother=mother, date=datetime.date(2015, 5, 1), sex=Sex.MALE, child_name="王一", by=officer
    )
    second = birth_record(
        mother=mother, date=datetime.date(2018, 5, 1), sex=Sex.FEMALE, child_name="王二", by=officer
    )
    assert (first.birth_order, second.birth_order) == (1, 2)
    assert second.child is not None and second.child.residence_area_id == mother.residence_area_id
    assert Birth.objects.filter(mother=mother).count() == 2


def test_a_birth_by_a_mother_aged_nine_is_refused(areas, officer):
    mother = create(officer, areas["village_a"], "王芳", Sex.FEMALE, datetime.date(2000, 1, 1))
    with pytest.raises(Refusal):
        birth_record(
            mother=mother, date=datetime.date(2009, 5, 1), sex=Sex.MALE, child_name="王一", by=officer
        )
    assert not Birth.objects.exists()


def test_marriage_sets_both_spouses_married_and_refuses_under_age_spouses(areas, officer):
    husband = create(officer, areas["village_a"], "赵刚", Sex.MALE, datetime.date(1990, 1, 1))
    wife = create(officer, areas["village_a"], "钱丽", Sex.FEMALE, datetime.date(1992, 1, 1))
    with pytest.raises(Refusal):
        marriage_record(husband=husband, wife=wife, date=datetime.date(2011, 1, 1), by=officer)
    marriage_record(husband=husband, wife=wife, date=datetime.date(2015, 1, 1), by=officer)
    statuses = set(
        Person.objects.filter(pk__in=[husband.pk, wife.pk]).values_list("marital_status", flat=True)
    )
    assert statuses == {MaritalStatus.FIRST_MARRIAGE}


def test_a_death_closes_the_residence_and_changes_the_status(areas, officer):
    person = create(officer, areas["village_a"], "孙老", Sex.MALE, datetime.date(1930, 1, 1))
    death_record(person=person, date=datetime.date(2020, 1, 1), by=officer)
    person.refresh_from_db()
    assert person.status == PersonStatus.DEAD
    assert not person.residence_periods.filter(end_date__isnull=True).exists()


def test_updating_a_name_refreshes_the_pinyin(areas, officer):
    person = create(officer, areas["village_a"], "张三", Sex.MALE, datetime.date(1985, 3, 2))
    person_update(person=person, by=officer, changes={"name": "曾三"})
    assert (person.name_pinyin, person.name_pinyin_alt) == ("zengsan", "cengsan")
