"""A booked pre-pregnancy check does not stay "booked" once its hall case is over without a grant: the
hall's refusal or decline (on the hall's case page) cancels it, a review that sets the refusal aside books
it again, and outreach's cancel page (the couple's village officer or the township) cancels it with a
reason and withdraws the hall case through the hall."""

import datetime

import pytest
from django.urls import reverse

from jisheng.audit.models import AuditEvent
from jisheng.hall.models import Application
from jisheng.outreach.models import PrePregnancyCheck
from tests.factories import SETUP, make_marriage, make_person

TODAY = datetime.date.today()
NEXT_WEEK = TODAY + datetime.timedelta(days=7)


@pytest.fixture
def catalogue(db):
    from jisheng.hall import services

    services.catalogue_load(by=SETUP)


@pytest.fixture
def couple(areas):
    village = areas["village_a"]
    wife = make_person(
        area=village, name="孙丽", sex="2", birth=datetime.date(1996, 5, 1), phone="13912345678"
    )
    husband = make_person(area=village, name="周强", sex="1", birth=datetime.date(1994, 2, 3))
    make_marriage(husband=husband, wife=wife, date=datetime.date(2024, 10, 1))
    return wife, husband


def _book(client, wife):
    response = client.post(
        reverse("outreach:prepregnancy_new"),
        {"wife_id": wife.id_number, "husband_id": "", "booked_on": NEXT_WEEK.isoformat(), "phone": ""},
    )
    assert response.status_code == 302, response.content.decode()
    return PrePregnancyCheck.objects.select_related("hall_application").get(wife=wife)


def test_the_village_officer_cancels_a_booked_check_and_the_hall_case_is_withdrawn(
    catalogue, couple, areas, make_user, client_for
):
    wife, _husband = couple
    officer = make_user(areas["village_a"], "village_officer", full_name="王干部")
    client = client_for(officer)
    check = _book(client, wife)
    application = check.hall_application
    listing = client.get(reverse("outreach:health") + "?kind=prepregnancy").content.decode()
    cancel = reverse("outreach:prepregnancy_cancel", args=[check.pk])
    assert f'href="{cancel}"' in listing

    page = client.get(cancel).content.decode()
    assert "孙丽" in page and application.number in page
    blank = client.post(cancel, {"reason": " "})
    assert blank.status_code == 200 and PrePregnancyCheck.objects.get().status == "booked"

    response = client.post(cancel, {"reason": "夫妻外出务工，暂不参加检查"})
    assert response.status_code == 302, response.content.decode()
    check.refresh_from_db()
    application.refresh_from_db()
    assert check.status == "cancelled"
    assert application.status == "refused" and not application.is_open
    assert "夫妻外出务工" in application.decision_reason and application.decided_by == officer
    event = AuditEvent.objects.get(action="outreach.prepregnancy_cancel", object_id=str(check.pk))
    assert event.actor == officer and "外出务工" in event.reason
    assert AuditEvent.objects.filter(action="hall.withdraw", object_id=str(application.pk)).count() == 1
    # The list shows it cancelled, with nothing left to record; the couple may book again.
    listing = client.get(reverse("outreach:health") + "?kind=prepregnancy").content.decode()
    assert f'href="{cancel}"' not in listing and "已取消" in listing
    assert client.post(cancel, {"reason": "再次取消"}).status_code == 200  # no longer booked: refused
    again = client.post(
        reverse("outreach:prepregnancy_new"),
        {"wife_id": wife.id_number, "husband_id": "", "booked_on": NEXT_WEEK.isoformat(), "phone": ""},
    )
    assert again.status_code == 302
    assert PrePregnancyCheck.objects.filter(wife=wife, status="booked").count() == 1


def test_an_officer_of_another_village_cannot_cancel_the_check(
    catalogue, couple, areas, make_user, client_for
):
    wife, _husband = couple
    check = _book(client_for(make_user(areas["township_a"], "counter_clerk")), wife)
    stranger = client_for(make_user(areas["village_a2"], "village_officer"))
    cancel = reverse("outreach:prepregnancy_cancel", args=[check.pk])
    assert stranger.get(cancel).status_code == 404
    assert stranger.post(cancel, {"reason": "不参加"}).status_code == 404
    check.refresh_from_db()
    assert check.status == "booked" and check.hall_application.is_open


@pytest.mark.parametrize("action", ["refuse", "decline"])
def test_the_halls_refusal_or_decline_of_the_case_cancels_the_booked_check(
    catalogue, couple, areas, make_user, client_for, action
):
    wife, _husband = couple
    clerk = make_user(areas["township_a"], "counter_clerk", full_name="李红梅")
    client = client_for(clerk)
    check = _book(client, wife)
    application = check.hall_application

    response = client.post(
        reverse("hall:case_action", args=[application.pk, action]),
        {"reason": "申请人不在本乡镇居住", "rule": "国家免费孕前优生健康检查项目试点工作技术服务规范"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    check.refresh_from_db()
    assert application.status == "refused", application.decision_reason
    assert check.status == "cancelled"
    event = AuditEvent.objects.get(action="outreach.prepregnancy_cancel", object_id=str(check.pk))
    assert event.actor == clerk and "不在本乡镇居住" in event.reason
    page = client.get(reverse("outreach:health") + "?kind=prepregnancy").content.decode()
    assert reverse("outreach:prepregnancy_done", args=[check.pk]) not in page


def test_a_check_already_done_is_not_touched_by_a_later_hall_step(
    catalogue, couple, areas, make_user, client_for
):
    from jisheng.hall import hooks
    from jisheng.outreach import services

    wife, _husband = couple
    client = client_for(make_user(areas["township_a"], "counter_clerk"))
    check = _book(client, wife)
    services.prepregnancy_done(by=SETUP, check=check, done_on=TODAY, result="normal")
    hooks.closed(Application.objects.get(), by=SETUP)  # as if the hall concluded it again
    check.refresh_from_db()
    assert check.status == "done"
    assert not AuditEvent.objects.filter(action="outreach.prepregnancy_cancel").exists()


def test_a_refusal_set_aside_on_review_books_the_check_again(catalogue, couple, areas, make_user, client_for):
    wife, _husband = couple
    clerk = client_for(make_user(areas["township_a"], "counter_clerk"))
    check = _book(clerk, wife)
    application = check.hall_application
    clerk.post(
        reverse("hall:case_action", args=[application.pk, "refuse"]),
        {"reason": "材料不符", "rule": "国家免费孕前优生健康检查项目试点工作技术服务规范"},
    )
    check.refresh_from_db()
    assert check.status == "cancelled"

    head = make_user(areas["township_a"], "township_head", full_name="赵镇长")
    response = client_for(head).post(
        reverse("hall:case_action", args=[application.pk, "overturn"]), {"reason": "经复核材料齐全"}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    check.refresh_from_db()
    assert application.is_open and check.status == "booked"
    event = AuditEvent.objects.get(action="outreach.prepregnancy_rebook", object_id=str(check.pk))
    assert event.actor == head
    page = clerk.get(reverse("outreach:health") + "?kind=prepregnancy").content.decode()
    assert reverse("outreach:prepregnancy_done", args=[check.pk]) in page
