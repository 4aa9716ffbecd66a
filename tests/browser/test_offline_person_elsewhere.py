"""A marriage with a spouse from another village, recorded in the offline app by a township's head who
chose the village to take along: the spouse looked up online by the full ID number (shown masked), and,
without a network, entered by ID number and name, refused with the reason when the name is wrong and
matched once corrected."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from tests.browser.conftest import login
from tests.browser.test_hall_rules import PASSWORD, ensure_roles
from tests.browser.test_offline_capture import Phone, phone  # noqa: F401  (fixture)
from tests.factories import make_person


@pytest.fixture
def couples(areas: dict[str, Any], make_user: Any) -> dict[str, Any]:
    ensure_roles()
    make_user(areas["township_a"], "township_head", username="zhenzhang", full_name="李镇长")
    return {
        "bride": make_person(
            area=areas["village_a"], name="刘桂芝", sex="2", birth=datetime.date(1995, 5, 5)
        ),
        "groom": make_person(
            area=areas["village_a2"], name="李建军", sex="1", birth=datetime.date(1993, 3, 3)
        ),
        "bride2": make_person(
            area=areas["village_a"], name="陈小燕", sex="2", birth=datetime.date(1996, 6, 6)
        ),
        "groom2": make_person(
            area=areas["village_a2"], name="赵国庆", sex="1", birth=datetime.date(1994, 4, 4)
        ),
    }


def open_marriage_form(page: Any, bride_initials: str) -> None:
    page.click("button.tab[data-view=record]")
    page.click("button[data-kind=marriage]")
    page.fill("input.pick-filter[data-for=wife]", bride_initials)
    page.fill("#f-date", (datetime.date.today() - datetime.timedelta(days=5)).isoformat())
    page.click("[data-field=husband] details.elsewhere summary")


def test_a_spouse_from_another_village_is_looked_up_online_or_matched_on_upload(
    phone: Phone,  # noqa: F811
    couples: dict[str, Any],
) -> None:
    from jisheng.audit.models import AuditEvent
    from jisheng.registry.models import Marriage

    page = phone.start()
    login(page, "zhenzhang", PASSWORD)
    phone.open_app()
    # Above village level, the app first asks which village to take along.
    page.select_option("#village-choice", "411723101201")
    page.click("#take-village")
    page.wait_for_selector("#person-list li.person >> text=刘桂芝")
    assert "李建军" not in page.content()

    # Online: the groom is found by his full ID number, shown masked, and the marriage is sent.
    groom = couples["groom"]
    open_marriage_form(page, "lgz")
    page.fill("#f-husband-id_number", groom.id_number)
    page.click("[data-field=husband] button[data-action=look-up]")
    result = page.locator(".elsewhere-result[data-for=husband]")
    result.filter(has_text="李楼村").wait_for()
    assert "李建军" in result.inner_text() and groom.id_number not in page.content()
    assert page.locator("#f-husband").input_value() == str(groom.pk)
    phone.submit_and_wait_sent()
    assert Marriage.objects.get(wife=couples["bride"]).husband == groom
    assert AuditEvent.objects.filter(action="disclosure.offline_person_lookup").count() == 1

    # Offline: the second groom's ID number and a misspelt name are saved with the record.
    groom2 = couples["groom2"]
    phone.context.set_offline(True)
    open_marriage_form(page, "cxy")
    page.fill("#f-husband-id_number", groom2.id_number)
    page.fill("#f-husband-name", "赵国清")
    page.click("#record-form button[type=submit]")
    page.wait_for_selector("#outbox-list li[data-kind=marriage][data-state=waiting]")
    phone.online()
    refused = page.locator("#outbox-list li[data-state=refused]")
    refused.wait_for()
    assert "赵国清" in refused.locator(".errors").inner_text()
    assert "辖区" in refused.locator(".errors").inner_text()
    assert Marriage.objects.filter(wife=couples["bride2"]).count() == 0

    refused.locator("button[data-action=edit]").click()
    assert page.locator("#f-husband-id_number").input_value() == groom2.id_number
    page.fill("#f-husband-name", "赵国庆")
    phone.submit_and_wait_sent()
    assert Marriage.objects.get(wife=couples["bride2"]).husband == groom2
