"""The mix's two POSTs read through statements compiled once and kept (issue 17): the resident's online
application (the item with its materials kept under the catalogue's version; the post on duty, the
township, the person's lock and the one-open-case check compiled once) and the clerk's notice and
re-submission (the case checked through the case page's kept read, then read again locked in the
service). Each runs a fixed number of statements, and every change between two requests shows at
the second."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection
from django.test import Client
from django.utils import timezone

from jisheng.hall.models import Application, ApplicationStatus, Notice
from tests.factories import SETUP, make_id

from .conftest import PHONE, make_person

FORM = "/portal/items/birth-registration/apply"


def _apply(client: Client, person: Any) -> Any:
    return client.post(FORM, {"name": person.name, "id_number": person.id_number, "phone": PHONE})


def _residents(areas: dict[str, Any], count: int) -> list[Any]:
    return [
        make_person(areas["village_a"], "王小红", make_id(datetime.date(1990, 1, day), "2"))
        for day in range(1, count + 1)
    ]


def _statements(on_sqlite: int, *, events: int) -> int:
    """The statements of a request that records ``events`` audit events: on PostgreSQL each event is
    appended with the head's move in one statement (``audit.services``), one fewer than on SQLite."""
    return on_sqlite - events if connection.vendor == "postgresql" else on_sqlite


def test_an_online_application_runs_the_same_statements_the_second_time_and_makes_its_case(
    catalogue, areas, staff, django_assert_num_queries
) -> None:
    first, second = _residents(areas, 2)
    assert _apply(Client(), first).status_code == 302

    with django_assert_num_queries(_statements(18, events=1)):
        response = _apply(Client(), second)

    case = Application.objects.get(person=second, item__code="birth-registration")
    assert response.status_code == 302 and response["Location"] == f"/portal/track/{case.number}/"
    assert case.area == areas["village_a"] and case.office == areas["township_a"]
    assert case.post == staff["post"] and case.owner == staff["clerk"]
    assert case.number.endswith("-0002")  # the day's sequence, no gap


def test_a_second_application_of_the_same_person_is_refused_through_the_kept_check(catalogue, areas, staff):
    (person,) = _residents(areas, 1)
    client = Client()
    assert _apply(client, person).status_code == 302
    case = Application.objects.get(person=person)
    refused = _apply(client, person)

    # The refusal names the open case.
    assert refused.status_code == 200 and case.number in refused.content.decode()
    assert Application.objects.filter(person=person).count() == 1


def test_an_item_ended_after_its_form_was_kept_takes_no_application_at_the_next_submission(
    catalogue, areas, staff
) -> None:
    from jisheng.hall.services import catalogue_item_update

    (person,) = _residents(areas, 1)
    client = Client()
    assert client.get(FORM).status_code == 200
    catalogue_item_update(
        item=catalogue["birth-registration"],
        changes={"effective_to": timezone.localdate() - datetime.timedelta(days=1)},
        by=SETUP,
    )

    response = _apply(client, person)

    assert response.status_code == 302 and response["Location"] == "/portal/items/birth-registration/"
    assert not Application.objects.filter(person=person).exists()


def test_the_post_on_duty_is_read_at_each_application_so_an_absence_shows_at_the_next(
    catalogue, areas, staff
) -> None:
    from jisheng.hall.services import post_set_absent

    first, second = _residents(areas, 2)
    assert _apply(Client(), first).status_code == 302
    assert Application.objects.get(person=first).owner == staff["clerk"]
    post_set_absent(post=staff["post"], absent=True, by=staff["head"])

    assert _apply(Client(), second).status_code == 302

    case = Application.objects.get(person=second)
    assert case.owner == staff["clerk2"] and case.standing_in_for == staff["clerk"]


def _counter_case(catalogue: Any, person: Any, clerk: Any) -> Application:
    from jisheng.hall import services

    return services.application_submit(
        item=catalogue["birth-registration"], person=person, channel="counter", phone=PHONE, by=clerk
    )


def test_a_notice_and_the_corrections_received_run_the_same_statements_on_every_case(
    catalogue, areas, staff, client_for, django_assert_num_queries
) -> None:
    first, second = (_counter_case(catalogue, person, staff["clerk"]) for person in _residents(areas, 2))
    clerk = client_for(staff["clerk"])
    clerk.post(f"/hall/cases/{first.pk}/notice", {"problem": "registration-form"})
    clerk.post(f"/hall/cases/{first.pk}/resubmit", {"received": "registration-form"})

    with django_assert_num_queries(_statements(18, events=2)):
        noticed = clerk.post(f"/hall/cases/{second.pk}/notice", {"problem": "registration-form"})
    second.refresh_from_db()
    assert noticed.status_code == 302 and second.status == ApplicationStatus.AWAITING_CORRECTION
    with django_assert_num_queries(_statements(15, events=1)):
        clerk.post(f"/hall/cases/{second.pk}/resubmit", {"received": "registration-form"})
    second.refresh_from_db()
    assert second.status == ApplicationStatus.RECEIVED and second.due_on is not None
    assert Notice.objects.get(application=second).answered_at is not None


def test_a_further_notice_still_names_only_what_came_in_since_the_last(catalogue, areas, staff, client_for):
    (person,) = _residents(areas, 1)
    case = _counter_case(catalogue, person, staff["clerk"])
    clerk = client_for(staff["clerk"])
    clerk.post(f"/hall/cases/{case.pk}/notice", {"problem": "registration-form"})
    clerk.post(f"/hall/cases/{case.pk}/resubmit", {"received": "registration-form"})

    clerk.post(f"/hall/cases/{case.pk}/notice", {"problem": "hukou"})  # refused: on file before
    case.refresh_from_db()
    assert case.status == ApplicationStatus.RECEIVED
    clerk.post(f"/hall/cases/{case.pk}/notice", {"problem": "registration-form"})

    notices = Notice.objects.filter(application=case).order_by("sequence")
    assert [(n.sequence, n.problems[0]["code"]) for n in notices] == [
        (1, "registration-form"),
        (2, "registration-form"),
    ]


def test_a_clerk_of_another_township_can_give_no_notice_on_a_case_whatever_was_kept_before(
    catalogue, areas, staff, client_for, make_user
) -> None:
    (person,) = _residents(areas, 1)
    case = _counter_case(catalogue, person, staff["clerk"])
    own = client_for(staff["clerk"])
    neighbour = client_for(make_user(areas["township_b"], "counter_clerk", username="neighbour"))
    own.post(f"/hall/cases/{case.pk}/notice", {"problem": "registration-form"})

    assert (
        neighbour.post(f"/hall/cases/{case.pk}/resubmit", {"received": "registration-form"}).status_code
        == 404
    )
    assert neighbour.post(f"/hall/cases/{case.pk}/notice", {"problem": "hukou"}).status_code == 404
    case.refresh_from_db()
    assert case.status == ApplicationStatus.AWAITING_CORRECTION
    assert Notice.objects.filter(application=case).count() == 1
