"""The list pages cost a fixed number of queries however many rows they show: each is measured with 10
and with 1,000 rows and must run exactly its pinned number (the hall's queue is pinned in
``jisheng/hall/tests/test_queue.py``). A page that starts reading row by row fails here."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

ROWS = [10, 1000]


def queries_of(client: Any, url: str, **params: Any) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params)
        assert response.status_code == 200, response.status_code
    return len(context.captured_queries)


def bulk_persons(area: Any, count: int, *, name: str = "测试") -> list[Any]:
    from stdnum.cn import ric

    from jisheng.registry.models import Person

    persons = []
    for n in range(count):
        body = f"41172319900101{n:03d}"  # 17 digits: up to 1,000 persons
        persons.append(
            Person(
                name=f"{name}{n}",
                id_number=body + ric.calc_check_digit(body),
                sex="2" if n % 2 else "1",
                birth_date=datetime.date(1990, 1, 1),
                residence_area=area,
            )
        )
    return Person.objects.bulk_create(persons)


@pytest.mark.parametrize("rows", ROWS)
def test_the_staff_list_runs_a_fixed_number_of_queries(areas, make_user, client_for, rows):
    from jisheng.accounts.models import Role, User

    admin = make_user(areas["county"], "system_admin")
    villages = [areas["village_a"], areas["village_a2"], areas["village_b"]]
    staff = User.objects.bulk_create(
        User(username=f"staff{n}", password="!", area=villages[n % 3], full_name=f"人员{n}")
        for n in range(rows)
    )
    clerk = Role.objects.get_or_create(code="counter_clerk")[0]
    User.roles.through.objects.bulk_create(User.roles.through(user_id=u.pk, role_id=clerk.pk) for u in staff)
    assert queries_of(client_for(admin), "/accounts/users/") == 8


@pytest.mark.parametrize("rows", ROWS)
def test_the_person_search_runs_a_fixed_number_of_queries(areas, make_user, client_for, rows):
    bulk_persons(areas["village_a"], rows, name="王")
    clerk = make_user(areas["township_a"], "counter_clerk")
    assert queries_of(client_for(clerk), "/registry/", q="王") == 7


@pytest.mark.parametrize("rows", ROWS)
def test_the_audit_trail_runs_a_fixed_number_of_queries(areas, make_user, client_for, rows):
    from jisheng.audit.services import record
    from tests.factories import SETUP

    with transaction.atomic():
        for n in range(rows):
            record(by=SETUP, action="test.event", object_repr=f"事件{n}", area_code=areas["village_a"].code)
    auditor = make_user(areas["county"], "auditor")
    assert queries_of(client_for(auditor), "/audit/") == 8


@pytest.mark.parametrize("rows", ROWS)
def test_a_batchs_lines_run_a_fixed_number_of_queries(areas, make_user, client_for, rows):
    from jisheng.benefits.models import Batch, Line

    persons = bulk_persons(areas["village_a"], rows)
    batch = Batch.objects.create(
        programme_id="childcare_subsidy",
        programme_name="育儿补贴",
        version="2025",
        year=2025,
        area=areas["township_a"],
    )
    Line.objects.bulk_create(
        Line(
            batch=batch,
            person=person,
            area=areas["village_a"],
            name=person.name,
            id_number=person.id_number,
            amount=Decimal("3600.00"),
            reasons="测试",
        )
        for person in persons
    )
    head = make_user(areas["township_a"], "township_head")
    assert queries_of(client_for(head), f"/benefits/batches/{batch.pk}/") == 10


@pytest.mark.parametrize("rows", ROWS)
def test_a_reports_records_run_a_fixed_number_of_queries(areas, make_user, client_for, rows):
    from jisheng.registry.models import Birth
    from jisheng.reporting import services
    from jisheng.reporting.periods import parse
    from tests.factories import SETUP

    forms = {form.code: form for form in services.forms_load(by=SETUP)}
    mothers = bulk_persons(areas["village_a"], rows)
    Birth.objects.bulk_create(
        Birth(mother=mother, date=datetime.date(2026, 10, 3), birth_order=1, sex="1", area=areas["village_a"])
        for mother in mothers
    )
    officer = make_user(areas["village_a"], "village_officer")
    report = services.report_open(
        form=forms["village_month"], period=parse("2026-M10"), area=areas["village_a"], by=officer
    )
    assert queries_of(client_for(officer), f"/reporting/{report.pk}/records/births/") == 9
