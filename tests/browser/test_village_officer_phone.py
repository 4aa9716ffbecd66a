"""The village officer's day on a phone: the home page's daily actions, a proxy application with the
signed form photographed, and moves out of and into the village picked from the area list."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from tests.browser.conftest import TIMEOUT_MS, login
from tests.browser.test_clerk_queue import jpeg
from tests.browser.test_hall_rules import PASSWORD, PHONE, ensure_roles
from tests.factories import SETUP, make_person

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


@pytest.fixture
def village(areas: dict[str, Any], make_user: Any) -> dict[str, Any]:
    from jisheng.hall import services

    ensure_roles()
    services.catalogue_load(by=SETUP)
    clerk = make_user(areas["township_a"], "counter_clerk", username="clerk", full_name="李红梅")
    clerk2 = make_user(areas["township_a"], "counter_clerk", username="clerk2", full_name="赵丽娟")
    services.post_create(
        office=areas["township_a"], name="综合受理岗", holder_a=clerk, holder_b=clerk2, by=SETUP
    )
    make_user(areas["village_a"], "village_officer", username="village", full_name="王村干")
    mother = make_person(
        name="刘桂芝",
        id_number="411723199005052228",
        sex="2",
        birth=datetime.date(1990, 5, 5),
        area=areas["village_a"],
        phone=PHONE,
    )
    newcomer = make_person(
        name="陈玉兰",
        sex="2",
        birth=datetime.date(1988, 11, 11),
        area=areas["village_b"],
        phone=PHONE,
    )
    return {"mother": mother, "newcomer": newcomer}


def _no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.django_db(transaction=True)
def test_the_village_officer_proxies_and_records_moves_from_a_phone(
    phone: Any, village: dict[str, Any], areas: dict[str, Any], tmp_path: Any
) -> None:
    from jisheng.hall.models import Application

    mother, newcomer = village["mother"], village["newcomer"]
    login(phone, "village", PASSWORD)
    phone.goto("/")
    actions = phone.locator("#home-actions")
    for label in ("登记出生", "登记婚姻", "登记迁入", "代办"):
        assert actions.locator(f"a:has-text('{label}')").is_visible()
    _no_sideways_scroll(phone)

    # 代办: the signed registration form, photographed with the phone's camera.
    actions.locator("a:has-text('代办')").click()
    phone.click("a.button:has-text('生育登记')")
    camera = phone.locator("input[name=m-registration-form]")
    assert camera.get_attribute("accept") == "image/*" and camera.get_attribute("capture") is not None
    phone.fill("input[name=id_number]", mother.id_number)
    phone.select_option("select[name=channel]", "proxy")
    photo = tmp_path / "signed-form.jpg"
    photo.write_bytes(jpeg())
    camera.set_input_files(str(photo))
    phone.click("main form[enctype] button[type=submit]")
    phone.wait_for_url("**/hall/cases/**")
    case = Application.objects.get()
    assert case.channel == "proxy" and case.time_limit == 3 and case.files.count() == 1
    assert phone.locator(".case-file a").inner_text() == "signed-form.jpg"

    # A move out to a village of the sibling township, picked from the list as the officer types.
    phone.goto(f"/registry/persons/{mother.pk}/")
    phone.click("a:has-text('登记迁出')")
    phone.locator("#id_destination").press_sequentially("张营")
    option = phone.locator(f"#area-options option[value^='{areas['village_b'].code}']")
    option.wait_for(state="attached")
    phone.fill("#id_destination", option.get_attribute("value"))
    phone.click("#move-out button[type=submit]")
    phone.wait_for_url("**/registry/")
    assert "刘桂芝 已迁往" in phone.content()
    mother.refresh_from_db()
    assert mother.residence_area_id == areas["village_b"].code

    # A move in from the sibling township, from the home page.
    phone.goto("/")
    phone.click("#home-actions a:has-text('登记迁入')")
    phone.wait_for_url("**/registry/move-in/")  # measured on the new page, not the one being left
    _no_sideways_scroll(phone)
    phone.fill("#id_id_number", newcomer.id_number)
    phone.fill("#id_name", newcomer.name)
    phone.click("#move-in button[type=submit]")
    phone.wait_for_url(f"**/registry/persons/{newcomer.pk}/")
    history = phone.locator(".residence-period").all_inner_texts()
    assert any("张营村" in line for line in history) and any("迁自" in line for line in history)
