"""Staff sign in through the real page in Chromium, each landing on a home that says what they do."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login

TEST_PASSWORD = "Test#Pass2026"


@pytest.mark.django_db(transaction=True)
def test_a_village_officer_signs_in_and_sees_their_duties_in_chinese(page, areas, make_user):
    make_user(areas["village_a"], "village_officer", username="cun", full_name="王秀兰")
    login(page, "cun", TEST_PASSWORD)
    assert page.locator("h1").inner_text().startswith("欢迎，王秀兰")
    assert "登记本村出生" in page.content()


@pytest.mark.django_db(transaction=True)
def test_county_staff_enrol_an_authenticator_before_they_reach_home(page, areas, make_user):
    make_user(areas["county"], "county_staff", username="xian", full_name="刘志强")
    login(page, "xian", TEST_PASSWORD)
    assert page.locator("h1").inner_text().startswith("欢迎，刘志强")


@pytest.mark.django_db(transaction=True)
def test_a_wrong_password_shows_a_chinese_error(page, areas, make_user):
    make_user(areas["village_a"], "village_officer", username="cun")
    page.goto("/accounts/login/")
    page.fill("#id_username", "cun")
    page.fill("#id_password", "wrong-password")
    page.click("button[type=submit]")
    expect(page.locator("main")).to_contain_text("请输入一个正确的")  # once the answer has arrived


@pytest.mark.django_db(transaction=True)
def test_the_menu_folds_on_a_phone_screen(page, areas, make_user):
    make_user(areas["village_a"], "village_officer", username="cun")
    page.set_viewport_size({"width": 375, "height": 740})
    login(page, "cun", TEST_PASSWORD)
    assert not page.locator(".mainnav").is_visible()
    page.click(".nav-toggle-label")
    assert page.locator(".mainnav").is_visible()
