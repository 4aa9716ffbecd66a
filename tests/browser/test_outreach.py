"""Outreach in a browser: the village officer's visit and hand-out on a phone, the county's allocation of
the year's projects from submitted needs, a township's inspection with a photo, and the audit view."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from jisheng.core.actor import DEMO
from tests.browser.conftest import login
from tests.browser.test_clerk_queue import jpeg
from tests.browser.test_hall_rules import PASSWORD, ensure_roles

PHONE_VIEWPORT = {"width": 390, "height": 844}
TODAY = datetime.date.today()


@pytest.fixture
def phone(browser: Any, live_server: Any) -> Any:
    context = browser.new_context(
        locale="zh-CN", base_url=live_server.url, viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(30_000)  # a phone page on a busy machine
    yield page
    context.close()


def _no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.django_db(transaction=True)
def test_a_village_officer_records_a_visit_and_a_hand_out_on_a_phone(
    phone: Any, areas: Any, make_user: Any
) -> None:
    from jisheng.outreach import services
    from jisheng.outreach.models import Handoff, StockMovement, Visit
    from jisheng.outreach.tests import factories

    ensure_roles()
    make_user(areas["village_a"], "village_officer", username="village", full_name="王村干")
    household = factories.household(areas["village_a"], number="411723101201001")
    woman = factories.person(areas["village_a"], name="刘桂芝", household=household)
    item = services.supply_item_define(by=DEMO, code="condom", name="避孕套", kind="contraceptive")
    services.stock_receive(
        by=DEMO,
        area=areas["village_a"],
        item=item,
        quantity=20,
        received_on=TODAY,
        expires_on=TODAY + datetime.timedelta(days=400),
    )

    login(phone, "village", PASSWORD)
    phone.goto("/")
    phone.click("a.card:has-text('走访')")
    phone.wait_for_url("**/outreach/visits/new/")
    _no_sideways_scroll(phone)
    phone.fill("#id_household", household.number)
    phone.fill("#id_met", "户主刘桂芝")
    phone.fill("#id_asked", "申请独生子女父母奖励")
    phone.fill("#id_promised", "下周送申请表")
    phone.fill("#id_follow_up_due", (TODAY + datetime.timedelta(days=7)).isoformat())
    phone.click("#visit-form button[type=submit]")
    phone.wait_for_url(f"**/outreach/households/{household.pk}/")
    assert "申请独生子女父母奖励" in phone.content()
    visit = Visit.objects.get()
    assert visit.visitors == "王村干" and Handoff.objects.get().visit == visit

    phone.click("a:has-text('发放药具')")
    phone.wait_for_url("**/outreach/supplies/hand-out/**")
    _no_sideways_scroll(phone)
    phone.select_option("#id_item", str(item.pk))
    phone.fill("#id_quantity", "3")
    phone.fill("#id_person_id", woman.id_number)
    phone.click("#handout-form button[type=submit]")
    phone.wait_for_url("**/outreach/supplies/")
    assert "17" in phone.locator("#stock").inner_text()
    assert StockMovement.objects.get(kind="handout_person").person == woman


def _project(areas: Any) -> Any:
    from jisheng.outreach import services
    from jisheng.outreach.models import Project

    services.need_submit(
        by=DEMO,
        area=areas["village_a"],
        year=TODAY.year,
        kind="service_room",
        title="王庄村服务室改造",
        cost="30000",
        urgency=9,
        people_served=800,
    )
    services.allocation_run(by=DEMO, county=areas["county"], year=TODAY.year, budget="30000")
    return Project.objects.get()


@pytest.mark.django_db(transaction=True)
def test_a_county_officer_runs_the_years_allocation_from_submitted_needs(
    page: Any, areas: Any, make_user: Any
) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from jisheng.outreach import services
    from jisheng.outreach.models import AllocationRun, Project

    ensure_roles()
    county = make_user(areas["county"], "county_staff", username="county", full_name="刘志强")
    TOTPDevice.objects.create(user=county, name="default", confirmed=True)
    year = TODAY.year
    services.need_submit(
        by=DEMO,
        area=areas["village_a"],
        year=year,
        kind="service_room",
        title="王庄村服务室改造",
        cost="30000",
        urgency=9,
        people_served=800,
    )
    services.need_submit(
        by=DEMO,
        area=areas["village_a2"],
        year=year,
        kind="boards",
        title="李楼村宣传栏",
        cost="8000",
        urgency=5,
        people_served=300,
    )
    services.need_submit(
        by=DEMO,
        area=areas["village_b"],
        year=year,
        kind="courtyard",
        title="张营村文化大院",
        cost="60000",
        urgency=7,
        people_served=1200,
    )

    login(page, "county", PASSWORD)
    page.goto("/outreach/projects/")
    page.click("#allocate")
    page.fill("#id_year", str(year))
    page.fill("#id_budget", "50000")
    page.click("#preview")
    ranking = page.locator("#ranking").inner_text()
    assert ranking.index("王庄村服务室改造") < ranking.index("张营村文化大院") < ranking.index("李楼村宣传栏")
    page.click("#decide")
    page.wait_for_url("**/outreach/projects/allocations/**")
    assert "刘志强" in page.content()
    run = AllocationRun.objects.get()
    assert run.decided_by == county and run.budget == 50000
    assert sorted(Project.objects.values_list("title", flat=True)) == ["李楼村宣传栏", "王庄村服务室改造"]


@pytest.mark.django_db(transaction=True)
def test_a_township_records_an_inspection_with_a_photo(
    page: Any, areas: Any, make_user: Any, tmp_path: Any
) -> None:
    from jisheng.outreach.models import Inspection

    ensure_roles()
    make_user(areas["township_a"], "township_head", username="head", full_name="孙镇长")
    project = _project(areas)
    photo = tmp_path / "room.jpg"
    photo.write_bytes(jpeg())

    login(page, "head", PASSWORD)
    page.goto(f"/outreach/projects/{project.pk}/")
    page.click("#inspect")
    page.select_option("#id_verdict", "defects")
    page.fill("#id_findings", "墙面宣传标语未更新")
    page.set_input_files("#id_photo", str(photo))
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**/outreach/projects/{project.pk}/")
    inspection = Inspection.objects.get()
    assert inspection.verdict == "defects" and inspection.photo.endswith(".jpg")
    assert page.request.get(f"/outreach/inspections/{inspection.pk}/photo/").body() == photo.read_bytes()


@pytest.mark.django_db(transaction=True)
def test_the_audit_view_flags_a_project_whose_spending_exceeds_its_allocation(
    page: Any, areas: Any, make_user: Any
) -> None:
    from jisheng.outreach import services

    ensure_roles()
    make_user(areas["township_a"], "township_head", username="head", full_name="孙镇长")
    auditor = make_user(areas["county"], "auditor", username="auditor", full_name="审计员")
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=auditor, name="default", confirmed=True)
    project = _project(areas)

    login(page, "head", PASSWORD)
    page.goto(f"/outreach/projects/{project.pk}/")
    page.select_option("#id_kind", "spent")
    page.fill("#id_amount", "32500")
    # The form posts back to the page it is on: wait for that navigation, not for a URL already there.
    with page.expect_navigation():
        page.click("button:has-text('登记款项')")
    services.fund_enter(by=DEMO, project=project, kind="receipt", amount="32500", entered_on=TODAY)

    page.context.clear_cookies()
    login(page, "auditor", PASSWORD)
    page.goto("/outreach/projects/audit/")
    row = page.locator("#audit tr:has-text('王庄村服务室改造')")
    assert "32500" in row.inner_text() and "超过配送资金" in row.inner_text()
