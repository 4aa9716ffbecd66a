"""The village officer records, on a phone, that a woman leaves to work in 东莞市, with the 四个一:
the contact phone left at home, the contraceptive measure and the signed agreement on the form, and
the page saying the 婚育证明 is still missing; the home page then reminds the officer of it."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from tests.browser.conftest import TIMEOUT_MS, login
from tests.browser.test_hall_rules import PASSWORD, ensure_roles

PHONE_VIEWPORT = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser: Any, live_server: Any) -> Any:
    context = browser.new_context(
        locale="zh-CN", base_url=live_server.url, viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


def _no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.django_db(transaction=True)
def test_the_village_officer_records_a_departure_with_its_four_on_a_phone(
    phone: Any, areas: dict[str, Any], make_user: Any
) -> None:
    from jisheng.migrants.models import Departure
    from jisheng.migrants.tests.conftest import make_woman
    from jisheng.registry.codes import PersonStatus

    ensure_roles()
    make_user(areas["village_a"], "village_officer", username="village", full_name="王村干")
    woman = make_woman(areas["village_a"], name="刘桂芝", born=datetime.date(1996, 6, 6))

    login(phone, "village", PASSWORD)
    phone.goto("/")
    phone.click("#home-actions a:has-text('登记外出')")
    _no_sideways_scroll(phone)
    phone.fill("#id_q", "刘桂芝")
    phone.click("#pick-form button[type=submit]")
    phone.click("#pick-results a:has-text('刘桂芝')")

    phone.fill("#id_destination", "441900 东莞市")
    phone.select_option("#id_reason", "work")
    phone.fill("#id_employer", "东莞某电子厂")
    phone.fill("#id_phone", "139 1234 5678")
    phone.fill("#id_contact_phone", "13800138001")
    phone.select_option("#id_contraception", "700")
    phone.check("#id_agreement_signed")
    _no_sideways_scroll(phone)
    phone.click("#departure button[type=submit]")
    phone.wait_for_url("**/migrants/away/*/")

    four = phone.locator("#four")
    assert four.locator("li[data-item=contact_phone] .badge.ok").is_visible()
    assert four.locator("li[data-item=contraception] .badge.ok").is_visible()
    assert four.locator("li[data-item=agreement] .badge.ok").is_visible()
    assert four.locator("li[data-item=certificate] .badge.bad").is_visible()
    _no_sideways_scroll(phone)

    departure = Departure.objects.get()
    assert departure.destination_code == "441900000000" and departure.phone == "13912345678"
    woman.refresh_from_db()
    assert woman.status == PersonStatus.AWAY

    # The reminder on the home page: one person away whose 四个一 is not complete.
    phone.goto("/")
    assert "“四个一”未落实的外出人员" in phone.content()
