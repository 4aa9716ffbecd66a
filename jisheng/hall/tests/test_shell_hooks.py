"""What the hall offers the shell: the staff home card and the person file's timeline."""

from __future__ import annotations

from django.apps import apps

from jisheng.hall import services
from tests.factories import A_RESIDENT

from .conftest import PHONE


def test_the_person_timeline_lists_that_persons_applications_within_the_users_area(
    catalogue, resident, staff, areas, make_user
) -> None:
    application = services.application_submit(
        item=catalogue["birth-registration"], person=resident, channel="online", phone=PHONE, by=A_RESIDENT
    )
    config = apps.get_app_config("hall")
    entries = config.person_timeline(resident, staff["clerk"])
    assert [entry["title"] for entry in entries] == ["生育登记"]
    assert entries[0]["url"] == f"/hall/cases/{application.pk}/"
    assert config.person_timeline(resident, make_user(areas["township_b"], "counter_clerk")) == []


def test_the_home_card_counts_the_clerks_open_cases(catalogue, resident, staff) -> None:
    services.application_submit(
        item=catalogue["birth-registration"], person=resident, channel="online", phone=PHONE, by=A_RESIDENT
    )
    cards = apps.get_app_config("hall").home_cards(staff["clerk"])
    assert cards[0]["value"] == 1
    assert apps.get_app_config("hall").home_cards(staff["auditor"]) == []
