"""A petition from the portal to the county's review: a resident files it; the township accepts it and
the written notice of acceptance is issued within the clock; a visit is recorded; the reply is issued;
the resident asks for a review; the county answers; the petitioner's file shows the whole history."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import login
from tests.browser.test_hall_rules import PASSWORD, ensure_roles


@pytest.fixture
def petition_staff(areas: dict[str, Any], make_user: Any) -> dict[str, Any]:
    ensure_roles()
    return {
        "head": make_user(areas["township_a"], "township_head", username="township", full_name="张建国"),
        "clerk": make_user(areas["township_a"], "counter_clerk", username="clerk", full_name="李红梅"),
        "county": make_user(areas["county"], "county_staff", username="county", full_name="刘志强"),
    }


@pytest.mark.django_db(transaction=True)
def test_a_petition_goes_from_the_portal_through_acceptance_a_visit_a_reply_and_the_countys_review(
    browser: Any, live_server: Any, areas: dict[str, Any], petition_staff: dict[str, Any]
) -> None:
    from jisheng.petitions.models import Matter, MatterStatus

    def new_page() -> Any:
        context = browser.new_context(locale="zh-CN", base_url=live_server.url)
        page = context.new_page()
        page.set_default_timeout(30_000)  # the shared test machine is often busy
        return page

    # The resident files on the portal and gets a number and a query code.
    resident = new_page()
    resident.goto("/petitions/public/new/")
    resident.select_option("#kind", "petition")
    resident.select_option("#area", areas["township_a"].code)
    resident.select_option("#field", "benefits")
    resident.fill("#name", "王秀英")
    resident.fill("#phone", "13800138000")
    resident.fill("#title", "奖励扶助金未到账")
    resident.fill("#facts", "2025年度农村部分计划生育家庭奖励扶助金至今未到账，请求补发。")
    resident.click("#submit")
    resident.wait_for_url("**/petitions/public/XF*/")
    number = resident.locator("#matter-number").inner_text().strip()
    matter = Matter.objects.get(number=number)
    assert matter.channel == "online" and resident.locator("#access-code").inner_text().strip()

    # The township accepts it the same day: the notice of acceptance is issued within the 15 days.
    clerk = new_page()
    login(clerk, "clerk", PASSWORD)
    clerk.goto(f"/petitions/matters/{matter.pk}/")
    clerk.click("#accept")
    clerk.wait_for_selector("#acceptance-pdf")
    matter.refresh_from_db()
    assert matter.status == MatterStatus.ACCEPTED and matter.accepted_on <= matter.accept_due
    notice = clerk.request.get(f"/petitions/matters/{matter.pk}/acceptance.pdf")
    assert notice.ok and notice.body().startswith(b"%PDF")

    # A visit to the petitioner's home is recorded on the matter.
    clerk.fill("#visit-attendees", "张建国、李红梅")
    clerk.fill("#visit-said", "上门核实，资金已拨付至乡镇，正在发放。")
    clerk.click("#record-visit")
    clerk.wait_for_selector("#meetings >> text=张建国、李红梅")

    # The written reply is issued.
    clerk.select_option("#opinion", "explain")
    clerk.fill("#legal-basis", "《河南省人口与计划生育条例》")
    clerk.fill("#reply-text", "经核实，资金已拨付，将在10个工作日内发放到您的账户。")
    clerk.click("#issue-reply")
    clerk.wait_for_selector("#reply-pdf")

    # The resident reads the reply and asks the office above for a review.
    resident.reload()
    assert "10个工作日" in resident.locator("#reply").inner_text()
    resident.fill("#review-reason", "已超过两个月仍未到账")
    resident.click("#ask-review")
    resident.wait_for_selector("#status >> text=已请求复查")

    # The county answers the review.
    county = new_page()
    login(county, "county", PASSWORD)
    county.goto(f"/petitions/matters/{matter.pk}/")
    county.fill("#review-answer", "经复查，维持原处理意见，并督促乡镇本周内发放到位。")
    county.click("#answer-review")
    county.wait_for_selector("#review-answer-text")
    matter.refresh_from_db()
    assert matter.status == MatterStatus.REVIEWED and matter.reviewed_by == petition_staff["county"]

    # The petitioner's file shows the whole history.
    county.click("#file-link")
    history = county.locator("#file-history").inner_text()
    for step in ("登记", "受理", "走访", "书面答复", "请求复查", "复查意见"):
        assert step in history, step
    resident.reload()
    assert "维持原处理意见" in resident.locator("#review-answer").inner_text()
