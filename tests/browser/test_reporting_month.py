"""One month in Chromium: every village report of township A is opened (prefilled from the registry),
completed and submitted — one of them late —, approved by the township, compiled and submitted up, approved
and compiled by the county, with completeness at 100% and the late village marked late."""

import datetime
from typing import Any

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from jisheng.reporting import clock, services
from jisheng.reporting.models import Report, ReportForm
from jisheng.reporting.periods import containing
from jisheng.reporting.tests.helpers import MANUAL, births, fill_and_submit
from tests.browser.conftest import login
from tests.factories import SETUP

PASSWORD = "Test#Pass2026"


@pytest.fixture(autouse=True)
def jobs_run_in_the_request(settings: Any) -> None:
    """The run, export, compilation and approval are worker jobs; here the request runs them, and the
    page goes where it goes when a job ended at once (the job pages and the worker have their tests)."""
    settings.JISHENG_JOBS_SYNC = True


def login_with_second_factor(page, username, user):
    """Like tests.browser.conftest.login, but waits for the code page before entering the code."""
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("input[name=token]")
    device = TOTPDevice.objects.get(user=user)
    page.fill(
        "input[name=token]",
        f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}",
    )
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/" not in url)


def fill_manual_items_and_submit(page):
    for code, value in MANUAL.items():
        page.fill(f"input[name={code}]", str(value))
    page.click("#submit-report")
    page.wait_for_selector("#report-status[data-status=submitted]")


@pytest.mark.django_db(transaction=True)
def test_a_month_goes_from_the_villages_up_to_the_county_in_the_browser(page, areas, make_user):
    services.forms_load(by=SETUP)
    month = containing("month", clock.today())
    day = month.start
    births(areas["village_a"], day, male=2, female=1)
    births(areas["village_a2"], day, female=2)
    births(areas["village_b"], day, male=1)
    make_user(areas["village_a"], "village_officer", username="v1")
    make_user(areas["village_a2"], "village_officer", username="v2")
    make_user(areas["township_a"], "counter_clerk", username="clerk_a")
    county = make_user(areas["county"], "county_staff", username="county1")
    TOTPDevice.objects.create(user=county, name="default", confirmed=True)
    # Township B's month is done already (through the services), so the county can compile.
    form = ReportForm.objects.get(code="village_month")
    officer_b = make_user(areas["village_b"], "village_officer")
    clerk_b = make_user(areas["township_b"], "counter_clerk")
    report_b = services.report_open(form=form, period=month, area=areas["village_b"], by=officer_b)
    fill_and_submit(report_b, officer_b, timezone.now())
    services.report_approve(report=report_b, by=clerk_b)
    township_b = services.report_compile(form=form, period=month, area=areas["township_b"], by=clerk_b)
    fill_and_submit(township_b, clerk_b, timezone.now())
    services.report_approve(report=township_b, by=county)

    # Village 1 submits on time; village 2 four days after the due day.
    late_moment = timezone.make_aware(
        datetime.datetime.combine(month.end, datetime.time(10))
    ) + datetime.timedelta(days=7)
    for username, expected_births, late in (("v1", "3", False), ("v2", "2", True)):
        page.context.clear_cookies()
        login(page, username, PASSWORD)
        page.goto(f"/reporting/?period={month.key}")
        page.click("#open-report")
        assert page.input_value("input[name=births]") == expected_births
        if late:
            with clock.travel_to(late_moment):
                fill_manual_items_and_submit(page)
        else:
            fill_manual_items_and_submit(page)

    page.context.clear_cookies()
    login(page, "clerk_a", PASSWORD)
    page.goto(f"/reporting/?period={month.key}")
    assert page.locator("#submissions tr[data-area='411723101202'] .late").count() == 1
    assert page.locator("#submissions tr[data-area='411723101201'] .late").count() == 0
    for code in ("411723101201", "411723101202"):
        page.goto(f"/reporting/?period={month.key}")
        page.click(f"#submissions tr[data-area='{code}'] a")
        page.click("#approve-report")
        page.wait_for_selector("#report-status[data-status=approved]")
    page.goto(f"/reporting/?period={month.key}")
    assert page.inner_text("#completeness tr[data-area='411723101201'] .completeness") == "100.0%"
    page.click("#compile-report")
    # A compiled report shows the sum of its villages; nothing in it is typed.
    assert page.inner_text("#items tr[data-item='births'] td:nth-child(3)").strip() == "5"
    assert page.locator("#items input").count() == 0
    page.click("#submit-report")
    page.wait_for_selector("#report-status[data-status=submitted]")

    page.context.clear_cookies()
    login_with_second_factor(page, "county1", county)
    page.goto(f"/reporting/?period={month.key}")
    page.click("#submissions tr[data-area='411723101000'] a")
    page.click("#approve-report")
    page.wait_for_selector("#report-status[data-status=approved]")
    page.goto(f"/reporting/?period={month.key}")
    for code in ("411723101000", "411723102000"):
        assert page.inner_text(f"#completeness tr[data-area='{code}'] .completeness") == "100.0%"
    assert "1" in page.inner_text("#completeness tr[data-area='411723101000'] .badge.bad")  # one late village
    page.click("#compile-report")
    county_report = Report.objects.get(area=areas["county"], period_key=month.key)
    assert county_report.values["births"] == 6
    assert page.inner_text("h1").startswith("平舆县")
