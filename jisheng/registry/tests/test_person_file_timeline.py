"""The other apps' entries on the person file (一人一档): a person with entries in every app sees each
of them, read in one statement for all the apps, and the page costs the same number of statements
whatever the apps hold; a reader of another township sees none of them."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jisheng.accounts.roles import RoleCode
from jisheng.registry.models import Person
from jisheng.registry.tests.test_person_file_pruning import household_of_three
from tests.factories import make_person
from tests.scoping_harness import scoped_object_makers

ALL_ROLES = [str(code) for code in RoleCode]
APPS = ("hall", "benefits", "migrants", "outreach", "petitions")


def family_woman(areas: dict[str, Any], make_user: Any) -> Person:
    """A married woman with a child and an IUD, in a household with her husband and his mother."""
    officer = make_user(areas["township_a"], "township_head", username="head_a")
    return household_of_three(areas["village_a"], officer)[0]


def person_in_every_app(areas: dict[str, Any], make_user: Any) -> Person:
    """A woman of a family holding every scoped object of the apps that write on the file: an
    application, benefit lines, a settled payment, a stopped benefit, a departure (returned), an arrival,
    a certificate, notices, a health education session, supplies, a screening, a pre-pregnancy check, a
    referral and a petition."""
    from jisheng.benefits.models import Enrolment, Line, Payment
    from jisheng.hall.models import Application
    from jisheng.migrants.models import (
        Arrival,
        Departure,
        Direction,
        EducationSession,
        MaritalCertificate,
        Notice,
    )
    from jisheng.outreach.models import HealthReferral, PrePregnancyCheck, Screening, StockMovement
    from jisheng.petitions.models import PetitionerFile

    for make_objects in scoped_object_makers():
        make_objects(area=areas["village_a"], marker="档案")
    woman = family_woman(areas, make_user)
    settled = datetime.datetime(2025, 6, 1, 17, 30, tzinfo=datetime.UTC)  # 2 June in 平舆
    for model in (Application, Line, Enrolment, Departure, Arrival, MaritalCertificate, EducationSession):
        model.objects.update(person=woman)
    Payment.objects.update(person=woman, settled_at=settled, failure_reason="")
    Enrolment.objects.update(status="stopped", stopped_at=settled, stop_reason="迁出")
    Departure.objects.update(returned_on=datetime.date(2025, 8, 1))
    Notice.objects.update(person=woman, direction=Direction.IN)
    StockMovement.objects.filter(kind="handout_person").update(person=woman)
    Screening.objects.update(woman=woman)
    PrePregnancyCheck.objects.update(wife=woman)
    HealthReferral.objects.update(person=woman)
    PetitionerFile.objects.update(person=woman)
    return woman


def file_statements(client: Any, person: Person) -> tuple[str, list[str]]:
    """The page and the SQL of every statement it runs (after a first visit, which saves the session)."""
    client.get(f"/registry/persons/{person.pk}/")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/registry/persons/{person.pk}/")
        assert response.status_code == 200, response.status_code
    return response.content.decode(), [query["sql"] for query in captured.captured_queries]


# The session, and the user with their area, roles and devices in one statement (2); the person, their
# history's counties, the residence periods, the household and its members (5); marriages, births (as
# a parent and their own, one statement), contraception, spouses and children, the areas' names (5);
# and one statement for the other apps' entries (a UNION ALL of each app's rows).
PINNED_STATEMENTS = 13


def test_a_person_with_entries_in_every_app_sees_each_of_them_read_in_one_statement(
    areas, make_user, client_for
):
    woman = person_in_every_app(areas, make_user)
    staff = client_for(make_user(areas["township_a"], *ALL_ROLES, username="staff_all"))
    page, statements = file_statements(staff, woman)
    for words in (
        "SQ-411723101-",  # the hall's application
        "育儿补贴档案 2025",  # a benefit line
        "rural_reward 2025 960.00 元",  # its payment, settled
        "childcare_subsidy: 迁出",  # a stopped benefit
        "档案 (441900)",  # a departure
        "返乡",  # the return
        "ZS-411723101-",  # a marital certificate
        "健康教育",
        "内容已隐藏（健康信息）",  # supplies, contents hidden
        "已通知筛查",
        "孕前优生健康检查",
        "健康转诊",
        "XF411723",  # a petition
    ):
        assert words in page, words
    apps_read = [sql for sql in statements if any(f'"{label}_' in sql for label in APPS)]
    assert len(apps_read) == 1 and apps_read[0].count("UNION ALL") >= 13, apps_read
    assert len(statements) == PINNED_STATEMENTS, "\n".join(sql[:120] for sql in statements)


def test_the_file_of_a_person_with_no_entries_elsewhere_runs_the_same_statements(
    areas, make_user, client_for
):
    person = family_woman(areas, make_user)
    staff = client_for(make_user(areas["township_a"], *ALL_ROLES, username="staff_all"))
    _page, statements = file_statements(staff, person)
    assert len(statements) == PINNED_STATEMENTS, "\n".join(sql[:120] for sql in statements)


@pytest.mark.parametrize("label", APPS)
def test_an_apps_entries_alone_are_its_part_of_the_file(areas, make_user, label):
    """``person_timeline`` of one app gives what the file shows of it; a reader of another township gets
    nothing from any app (each reads through visible_to)."""
    from django.apps import apps

    from jisheng.registry.queries import _other_apps_timeline

    woman = person_in_every_app(areas, make_user)
    staff = make_user(areas["township_a"], *ALL_ROLES, username="staff_all")
    config: Any = apps.get_app_config(label)
    alone = config.person_timeline(woman, staff)
    assert alone and all(entry in _other_apps_timeline(woman, staff) for entry in alone)
    elsewhere = make_user(areas["township_b"], *ALL_ROLES, username="staff_b")
    assert config.person_timeline(woman, elsewhere) == []
    assert _other_apps_timeline(woman, elsewhere) == []


def test_the_next_file_opened_shows_its_own_persons_entries_only(areas, make_user, client_for):
    """The statement is compiled once for the reader's area and capabilities and kept: the next
    person's file runs it with that person's key and shows none of the first one's entries."""
    woman = person_in_every_app(areas, make_user)
    other = make_person(area=areas["village_a"], name="钱无", sex="2", birth=datetime.date(1991, 1, 1))
    staff = client_for(make_user(areas["township_a"], *ALL_ROLES, username="staff_all"))
    assert "健康教育" in file_statements(staff, woman)[0]
    page, statements = file_statements(staff, other)
    assert "钱无" in page
    assert "健康教育" not in page and "SQ-411723101-" not in page and "XF411723" not in page
    # No household, no spouse or child: three statements fewer, the other apps' still one.
    assert len(statements) == PINNED_STATEMENTS - 3, "\n".join(sql[:120] for sql in statements)
