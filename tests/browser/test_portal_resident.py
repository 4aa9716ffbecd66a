"""A resident on a phone: the site root opens the portal, a service guide, applying online, then rating
the concluded case on one of the five named levels, with none chosen in advance."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_hall_rules import ensure_roles
from tests.factories import SETUP, make_person

PHONE = "13800138000"
PHONE_VIEWPORT = {"width": 390, "height": 844}


@pytest.fixture
def resident_world(areas: dict[str, Any], make_user: Any) -> dict[str, Any]:
    from jisheng.hall import services

    ensure_roles()
    services.catalogue_load(by=SETUP)
    clerk = make_user(areas["township_a"], "counter_clerk", username="clerk", full_name="李红梅")
    clerk2 = make_user(areas["township_a"], "counter_clerk", username="clerk2", full_name="赵丽娟")
    services.post_create(
        office=areas["township_a"], name="综合受理岗", holder_a=clerk, holder_b=clerk2, by=SETUP
    )
    make_person(
        name="王小红",
        id_number="411723199203154526",
        sex="2",
        birth=datetime.date(1992, 3, 15),
        area=areas["village_a"],
        phone=PHONE,
        residence=False,
    )
    return {"clerk": clerk}


@pytest.mark.django_db(transaction=True)
def test_a_resident_goes_from_the_root_to_a_guide_applies_and_rates(
    browser: Any, live_server: Any, resident_world: Any, tmp_path: Path
) -> None:
    from jisheng.hall import services
    from jisheng.hall.models import Application, Rating

    context = browser.new_context(
        locale="zh-CN", base_url=live_server.url, viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(30_000)  # the shared test machine is often busy
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 64)

    # The root is the portal, not the staff sign-in; staff sign in by a link in the title bar.
    page.goto("/")
    assert page.url.endswith("/portal/")
    assert page.locator("#staff-sign-in").is_visible()

    # The guide says what to bring, how long it takes and where to complain.
    page.click("a[href='/portal/items/migrant-marital-certificate/']")
    guide = page.inner_text("#guide")
    assert "申请条件" in guide and "承诺时限" in guide and "监督投诉" in guide and "12345" in guide
    page.click("#apply")

    # The required photo is marked as such.
    expect(page.locator("form:has(#submit-application)")).to_contain_text("必交")
    page.fill("#name", "王小红")
    page.fill("#id_number", "411723199203154526")
    page.fill("#phone", PHONE)
    page.set_input_files("input[name=m-photo]", str(photo))
    page.click("#submit-application")
    number = page.inner_text("#application-number")

    # The office issues the certificate; the resident comes back and rates.
    services.application_approve(
        application=Application.objects.get(number=number), by=resident_world["clerk"]
    )
    page.reload()
    radios = page.locator("#rate-form input[type=radio]")
    assert radios.count() == 5
    assert all(not radios.nth(i).is_checked() for i in range(5))
    page.check("#rate-form label:has-text('基本满意') input")
    page.fill("#rate-form input[name=comment]", "窗口服务热情")
    page.click("#rate")
    assert page.inner_text("#rating-level") == "基本满意"
    assert Rating.objects.get(application__number=number).level == 3
    context.close()
