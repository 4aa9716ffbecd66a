"""The village officer's phone pages for what the registry's services could do but no page offered:
living here or away, the household's address, leaving a household, a divorce — each audited, each
refused outside the officer's village."""

import datetime

from jisheng.audit.models import AuditEvent
from jisheng.registry.codes import MaritalStatus, PersonStatus, Sex
from jisheng.registry.models import Household, Marriage, Person
from jisheng.registry.services import household_create, marriage_record
from tests.factories import SETUP, make_person


def _family(area):
    household = household_create(by=SETUP, number="H-001", area=area, address="王庄村1号", hukou_type="agri")
    wife = make_person(
        area=area, name="陈红", sex=Sex.FEMALE, birth=datetime.date(1990, 5, 1), household=household
    )
    husband = make_person(
        area=area, name="林海", sex=Sex.MALE, birth=datetime.date(1988, 5, 1), household=household
    )
    marriage = marriage_record(husband=husband, wife=wife, date=datetime.date(2012, 1, 1), by=SETUP)
    return household, wife, husband, marriage


def _page(kind, person):
    return f"/registry/persons/{person.pk}/record/{kind}/"


def test_the_village_officer_records_away_address_leaving_and_divorce_on_the_persons_page(
    areas, make_user, client_for
):
    household, wife, husband, marriage = _family(areas["village_a"])
    officer = client_for(make_user(areas["village_a"], "village_officer"))
    person_page = officer.get(f"/registry/persons/{wife.pk}/").content.decode()
    for kind in ("status", "household_details", "leave_household", "divorce"):
        assert _page(kind, wife) in person_page
        assert officer.get(_page(kind, wife)).status_code == 200

    assert officer.post(_page("status", wife), {"status": "away", "note": "广东务工"}).status_code == 302
    officer.post(_page("household_details", wife), {"address": "王庄村2号", "hukou_type": "unified"})
    officer.post(_page("divorce", wife), {"date": "2025-03-01"})
    officer.post(_page("leave_household", husband), {"confirm": "on"})

    wife.refresh_from_db()
    household.refresh_from_db()
    marriage.refresh_from_db()
    assert wife.status == PersonStatus.AWAY
    assert (household.address, household.hukou_type) == ("王庄村2号", "unified")
    assert marriage.divorce_date == datetime.date(2025, 3, 1)
    assert Person.objects.get(pk=husband.pk).marital_status == MaritalStatus.DIVORCED
    assert Person.objects.get(pk=husband.pk).household_id is None
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "registry.person_status",
        "registry.household_update",
        "registry.marriage_divorce",
        "registry.household_remove_member",
    } <= actions


def test_a_second_divorce_and_leaving_no_household_are_refused_in_words(areas, make_user, client_for):
    _household, wife, husband, _marriage = _family(areas["village_a"])
    officer = client_for(make_user(areas["village_a"], "village_officer"))
    officer.post(_page("divorce", wife), {"date": "2025-03-01"})
    again = officer.post(_page("divorce", husband), {"date": "2025-04-01"})
    assert again.status_code == 200 and "没有在册的婚姻" in again.content.decode()
    officer.post(_page("leave_household", wife), {"confirm": "on"})
    twice = officer.post(_page("leave_household", wife), {"confirm": "on"})
    assert twice.status_code == 200 and "尚未加入任何户" in twice.content.decode()
    assert Marriage.objects.get().divorce_date == datetime.date(2025, 3, 1)


def test_an_officer_of_another_village_changes_nothing(areas, make_user, client_for):
    household, wife, _husband, marriage = _family(areas["village_a"])
    stranger = client_for(make_user(areas["village_b"], "village_officer"))
    for kind, data in (
        ("status", {"status": "away"}),
        ("household_details", {"address": "外村", "hukou_type": "unified"}),
        ("leave_household", {"confirm": "on"}),
        ("divorce", {"date": "2025-03-01"}),
    ):
        assert stranger.post(_page(kind, wife), data).status_code == 404
    wife.refresh_from_db()
    assert (wife.status, wife.household_id) == (PersonStatus.ALIVE, household.pk)
    assert Household.objects.get(pk=household.pk).address == "王庄村1号"
    assert Marriage.objects.get(pk=marriage.pk).divorce_date is None
