"""The hall's rules as staff meet them in the browser: A/B roles, unconditional acceptance, a deadline
across National Day and the accountability record when it is missed."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.factories import A_RESIDENT, SETUP, make_person

PASSWORD = "Test#Pass2026"
PHONE = "13800138000"


def ensure_roles() -> None:
    """Transactional tests flush the tables, the roles the migrations made included."""
    from jisheng.accounts.models import Role
    from jisheng.accounts.roles import RoleCode

    for code in RoleCode:
        Role.objects.get_or_create(code=code)


@pytest.fixture
def hall_staff(areas: dict[str, Any], make_user: Any) -> dict[str, Any]:
    from jisheng.hall import services
    from jisheng.hall.models import ServiceItem

    ensure_roles()
    services.catalogue_load(by=SETUP)
    clerk = make_user(areas["township_a"], "counter_clerk", username="clerk", full_name="李红梅")
    clerk2 = make_user(areas["township_a"], "counter_clerk", username="clerk2", full_name="赵丽娟")
    head = make_user(areas["township_a"], "township_head", username="township", full_name="张建国")
    services.post_create(
        office=areas["township_a"], name="综合受理岗", holder_a=clerk, holder_b=clerk2, by=SETUP
    )
    person = make_person(
        name="刘桂芝",
        id_number="411723199005052228",
        sex="2",
        birth=datetime.date(1990, 5, 5),
        area=areas["village_a"],
        phone=PHONE,
        residence=False,
    )
    received = timezone.make_aware(datetime.datetime(2026, 9, 30, 9, 30))
    case = services.application_submit(
        item=ServiceItem.objects.get(code="migrant-marital-certificate"),
        person=person,
        channel="online",
        phone=PHONE,
        by=A_RESIDENT,
        received_at=received,
    )
    return {"clerk": clerk, "clerk2": clerk2, "head": head, "case": case}


@pytest.mark.django_db(transaction=True)
def test_a_s_absence_moves_the_case_to_b_and_back(page: Any, hall_staff: dict[str, Any]) -> None:
    page.set_default_timeout(30_000)  # the shared test machine is often busy
    number = hall_staff["case"].number
    login(page, "township", PASSWORD)
    page.goto("/hall/posts/")
    page.click("text=登记A角不在岗")
    expect(page.locator("body")).to_contain_text("A角不在岗，B角顶岗")  # once the next page shows
    page.context.clear_cookies()
    login(page, "clerk2", PASSWORD)
    page.goto("/hall/")
    my_cases = page.locator(".card", has=page.locator("h2", has_text="我负责的案件"))
    assert number in my_cases.inner_text()  # "My cases" of B
    page.goto("/hall/posts/")
    page.click("text=A角返岗")
    page.goto("/hall/")
    assert number not in my_cases.inner_text()


@pytest.mark.django_db(transaction=True)
def test_the_migrant_certificate_offers_no_refusal_at_intake_and_a_missed_national_day_deadline_is_recorded(
    page: Any, hall_staff: dict[str, Any]
) -> None:
    page.set_default_timeout(30_000)  # the shared test machine is often busy
    from jisheng.hall import services

    case = hall_staff["case"]
    login(page, "clerk", PASSWORD)
    page.goto(f"/hall/cases/{case.pk}/")
    assert "2026-10-10" in page.content()  # 1–7 October off, Saturday 10 October a make-up working day
    assert "无条件受理" in page.content()
    assert page.locator("form[action$='/decline']").count() == 0
    response = page.request.post(
        f"/api/v1/hall/applications/{case.pk}/decline", data={"reason": "x", "rule": "y"}
    )
    assert response.status in (401, 403)

    services.deadline_sweep(today=datetime.date(2026, 10, 12), by=SETUP)
    page.context.clear_cookies()
    login(page, "township", PASSWORD)
    page.goto("/hall/accountability/")
    row = page.locator("tr", has_text=case.number)
    assert "李红梅" in row.inner_text() and "超期未办结" in row.inner_text()
