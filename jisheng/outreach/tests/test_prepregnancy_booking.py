"""A couple books the free pre-pregnancy check through the service hall's bookable item (on the portal or
from outreach's page); the check is linked to the hall case, and recording the result closes the case."""

import datetime

import pytest
from django.urls import reverse

from jisheng.audit.models import AuditEvent
from jisheng.hall.models import Application
from jisheng.outreach.models import PrePregnancyCheck
from tests.factories import SETUP, make_marriage, make_person

TODAY = datetime.date.today()
NEXT_WEEK = TODAY + datetime.timedelta(days=7)
PHONE = "13912345678"


@pytest.fixture
def catalogue(db):
    from jisheng.hall import services

    services.catalogue_load(by=SETUP)


@pytest.fixture
def couple(areas):
    village = areas["village_a"]
    wife = make_person(area=village, name="孙丽", sex="2", birth=datetime.date(1996, 5, 1), phone=PHONE)
    husband = make_person(area=village, name="周强", sex="1", birth=datetime.date(1994, 2, 3))
    make_marriage(husband=husband, wife=wife, date=datetime.date(2024, 10, 1))
    return wife, husband


def test_a_couple_booked_on_the_portal_gets_a_check_and_recording_its_result_closes_the_hall_case(
    catalogue, couple, areas, make_user, client, client_for
):
    wife, husband = couple
    # The husband books on the portal for a day next week.
    response = client.post(
        "/portal/items/pre-pregnancy-check/apply",
        {"name": husband.name, "id_number": husband.id_number, "phone": PHONE, "preferred_date": NEXT_WEEK},
    )
    assert response.status_code == 302, response.content.decode()
    application = Application.objects.get()
    check = PrePregnancyCheck.objects.get()
    assert check.hall_application == application and check.hall_reference == application.number
    assert (check.wife, check.husband, check.booked_on) == (wife, husband, NEXT_WEEK)
    assert AuditEvent.objects.filter(action="outreach.prepregnancy_book", object_id=str(check.pk)).exists()

    clerk = make_user(areas["township_a"], "counter_clerk", full_name="李红梅")
    client = client_for(clerk)
    page = client.get(reverse("outreach:health") + "?kind=prepregnancy").content.decode()
    assert application.number in page and "孙丽" in page
    response = client.post(
        reverse("outreach:prepregnancy_done", args=[check.pk]),
        {"done_on": TODAY.isoformat(), "result": "risk", "follow_up": "补充叶酸，三个月后复查"},
    )
    assert response.status_code == 302, response.content.decode()
    check.refresh_from_db()
    application.refresh_from_db()
    assert (check.status, check.result, check.done_on) == ("done", "risk", TODAY)
    assert application.status == "approved" and application.decided_by == clerk
    assert AuditEvent.objects.filter(action="hall.approve", object_id=str(application.pk)).exists()
    # the list keeps the result masked
    page = client.get(reverse("outreach:health") + "?kind=prepregnancy").content.decode()
    assert "补充叶酸" not in page


def test_a_village_officer_books_a_check_at_the_hall_from_the_outreach_page(
    catalogue, couple, areas, make_user, client_for
):
    wife, husband = couple
    officer = make_user(areas["village_a"], "village_officer", full_name="王干部")
    client = client_for(officer)
    response = client.post(
        reverse("outreach:prepregnancy_new"),
        {"wife_id": wife.id_number, "husband_id": "", "booked_on": NEXT_WEEK.isoformat(), "phone": ""},
    )
    assert response.status_code == 302, response.content.decode()
    check = PrePregnancyCheck.objects.get()
    application = check.hall_application
    assert application.channel == "proxy" and application.person == wife
    assert application.details == {"预约日期": NEXT_WEEK.isoformat()} and check.husband == husband

    # The officer records the result; she does not decide hall cases, so the system closes the case.
    response = client.post(
        reverse("outreach:prepregnancy_done", args=[check.pk]),
        {"done_on": TODAY.isoformat(), "result": "normal", "follow_up": ""},
    )
    assert response.status_code == 302, response.content.decode()
    application.refresh_from_db()
    assert application.status == "approved"
    event = AuditEvent.objects.get(action="hall.approve", object_id=str(application.pk))
    assert event.actor is None and "pre-pregnancy check result" in event.actor_username


def test_a_second_booking_of_a_couple_with_a_check_booked_is_refused_on_the_wife_field(
    catalogue, couple, areas, make_user, client_for
):
    wife, _husband = couple
    client = client_for(make_user(areas["township_a"], "counter_clerk"))
    data = {"wife_id": wife.id_number, "husband_id": "", "booked_on": NEXT_WEEK.isoformat(), "phone": ""}
    assert client.post(reverse("outreach:prepregnancy_new"), data).status_code == 302
    response = client.post(reverse("outreach:prepregnancy_new"), data)
    assert response.status_code == 200
    assert "已有" in response.content.decode() or "already" in response.content.decode()
    assert Application.objects.count() == 1 and PrePregnancyCheck.objects.count() == 1


def test_a_booking_for_a_day_that_has_passed_is_refused_and_nothing_is_written(
    catalogue, couple, areas, make_user, client_for
):
    wife, _husband = couple
    client = client_for(make_user(areas["township_a"], "counter_clerk"))
    yesterday = (TODAY - datetime.timedelta(days=1)).isoformat()
    response = client.post(
        reverse("outreach:prepregnancy_new"),
        {"wife_id": wife.id_number, "husband_id": "", "booked_on": yesterday, "phone": ""},
    )
    assert response.status_code == 200
    assert not Application.objects.exists() and not PrePregnancyCheck.objects.exists()
