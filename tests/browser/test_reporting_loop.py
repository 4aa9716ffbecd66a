"""The reporting loop on a village officer's phone: the month is picked from a list, figures that
contradict each other are refused in a sentence and kept as typed, and after approval a birth
registered late for that month asks for its correction; the township sees the live figure at once."""

import datetime
from typing import Any

import pytest
from playwright.sync_api import expect

from jisheng.reporting import clock, services
from jisheng.reporting.periods import containing
from jisheng.reporting.tests.helpers import MANUAL, births
from tests.browser.conftest import TIMEOUT_MS, login
from tests.factories import SETUP

PASSWORD = "Test#Pass2026"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def jobs_run_in_the_request(settings: Any) -> None:
    """The run, export, compilation and approval are worker jobs; here the request runs them, and the
    page goes where it goes when a job ended at once (the job pages and the worker have their tests)."""
    settings.JISHENG_JOBS_SYNC = True


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        locale="zh-CN", base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


@pytest.mark.django_db(transaction=True)
def test_a_village_officer_reports_a_month_on_the_phone_and_is_asked_to_correct_it(
    phone, page, areas, make_user
):
    services.forms_load(by=SETUP)
    month = containing("month", clock.today()).previous()
    births(areas["village_a"], month.start + datetime.timedelta(days=4), male=2, female=1)
    make_user(areas["village_a"], "village_officer", username="v1")
    make_user(areas["township_a"], "counter_clerk", username="clerk_a")

    login(phone, "v1", PASSWORD)
    phone.goto("/reporting/")
    phone.select_option("#id_period", month.key)  # a list, not a box to type a key into
    phone.click("form.filters button[type=submit]")
    phone.click("#open-report")
    assert phone.input_value("input[name=births]") == "3"
    for code, value in MANUAL.items():
        phone.fill(f"input[name={code}]", str(value))
    phone.fill("input[name=births]", "2")
    phone.click("#submit-report")
    expect(phone.locator("main")).to_contain_text("男婴与女婴之和（3）不等于出生人数（2）")
    assert phone.get_attribute("#report-status", "data-status") == "draft"
    assert phone.input_value("input[name=births]") == "2"  # kept as typed
    assert phone.input_value("input[name=migrants_out_new]") == str(MANUAL["migrants_out_new"])
    phone.fill("input[name=births]", "3")
    phone.click("#submit-report")
    phone.wait_for_selector("#report-status[data-status=submitted]")

    login(page, "clerk_a", PASSWORD)
    page.goto(f"/reporting/?period={month.key}")
    page.click("#submissions tr[data-area='411723101201'] a")
    page.click("#approve-report")
    page.wait_for_selector("#report-status[data-status=approved]")
    page.goto(f"/reporting/dashboard/?period={month.key}")
    assert page.inner_text("#areas tr[data-area='411723101201'] td:nth-child(2)") == "3"

    # A birth of that month is registered late: the dashboard shows it at once, and the officer is
    # asked to correct the approved month.
    births(areas["village_a"], month.end, female=1)
    page.reload()
    assert page.inner_text("#areas tr[data-area='411723101201'] td:nth-child(2)") == "4"
    phone.goto("/reporting/")
    notice = phone.inner_text("#corrections")
    assert "王庄村" in notice and "出生人数" in notice and "3" in notice and "4" in notice
    # Nothing sticks out of the phone's screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
