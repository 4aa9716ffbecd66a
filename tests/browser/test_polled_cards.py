"""A card that follows a running job never takes a button away from under a finger: on a slow phone a
tap on Cancel lasts longer than a poll, and the polls must redraw only the figures around it."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from .conftest import login

PASSWORD = "Test#Pass2026"


def press_through_two_polls(page: Any, button: Any, url_part: str) -> None:
    """Put the finger down on `button`, let two polls be answered and drawn, then lift it."""
    box = button.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    for _ in range(2):
        with page.expect_response(lambda response: url_part in response.url):
            pass
    # htmx keeps the class htmx-request on the polling element until it has drawn the answer.
    expect(page.locator(".htmx-request")).to_have_count(0)
    page.mouse.up()


@pytest.mark.django_db(transaction=True)
def test_a_cancel_held_down_through_two_polls_of_a_running_import_still_cancels_it(
    page: Any, areas: dict[str, Any], make_user: Any, tmp_path: Any
) -> None:
    from jisheng.registry.models import ImportJob

    make_user(areas["village_a"], "village_officer", username="wangcun", full_name="王村官")
    register = tmp_path / "花名册.csv"
    register.write_text("姓名,身份证号,性别\n王一,411723198001010012,男\n", encoding="utf-8")
    login(page, "wangcun", PASSWORD)
    page.goto("/registry/import/")
    page.set_input_files("#file", str(register))
    page.click("main form button[type=submit]")
    page.wait_for_url("**/registry/import/*/")
    page.click("button[value=check]")
    # No worker runs here: the check stays queued, and the card polls its progress every second.
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.CHECKING
    cancel = page.locator("#progress form[action$='/cancel/'] button")
    press_through_two_polls(page, cancel, f"/registry/import/{job.pk}/progress/")
    expect(page.locator("#progress form[action$='/cancel/']")).to_have_count(0)
    expect(page.locator("#progress-live")).to_contain_text("已由 wangcun 取消")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "取消" in job.message


@pytest.fixture
def queued_run(page: Any, areas: dict[str, Any], make_user: Any, settings: Any) -> Any:
    """A township head asks for a benefit run; no worker runs yet, so its page follows a queued job."""
    from jisheng.benefits.models import BatchJob
    from tests.factories import make_person

    settings.JISHENG_JOBS_SYNC = False
    make_user(areas["township_a"], "township_head", username="township", full_name="张建国")
    make_person(name="王小一", sex="1", birth=datetime.date(2025, 3, 1), area=areas["village_a"], phone="")
    login(page, "township", PASSWORD)
    page.goto(f"/benefits/run/?programme=childcare_subsidy&year=2025&area={areas['township_a'].code}")
    page.click("#propose-batch")
    page.wait_for_url("**/benefits/jobs/*/")
    job = BatchJob.objects.get()
    expect(page.locator("#job-status")).to_have_text("排队中")
    return job


@pytest.mark.django_db(transaction=True)
def test_a_cancel_held_down_through_two_polls_of_a_queued_benefit_run_still_cancels_it(
    page: Any, queued_run: Any
) -> None:
    from jisheng.benefits.models import Batch

    job = queued_run
    press_through_two_polls(page, page.locator("#job-cancel"), f"/benefits/jobs/{job.pk}/")
    expect(page.locator("#job-cancel")).to_have_count(0)
    expect(page.locator("#job-status")).to_have_text("失败")
    job.refresh_from_db()
    assert job.status == "failed" and "取消" in job.message and not Batch.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_benefit_run_that_ends_while_its_page_is_open_redraws_the_card_once_with_its_batch(
    page: Any, queued_run: Any
) -> None:
    call_command("worker", "--batch")  # what `jisheng worker` does beside the server
    card = page.locator("#job")
    expect(card.get_by_role("link", name="打开批次")).to_be_visible()
    expect(page.locator("#job-status")).to_have_text("已完成")
    expect(page.locator("#job")).to_have_count(1)  # the card in place of the card, not inside it
    expect(page.locator("#job-cancel")).to_have_count(0)
    expect(page.locator("#job-live")).not_to_have_attribute("hx-get", re.compile("."))
