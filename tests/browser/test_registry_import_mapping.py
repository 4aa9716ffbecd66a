"""When the check of a register ends while its page is open, the page shows everything a reload would:
the column mapping (to correct and check again) as well as the card with its Import button. A village
officer on a phone does not know to reload."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import expect

from .conftest import login

PASSWORD = "Test#Pass2026"


@pytest.fixture
def register(tmp_path: Any) -> Any:
    from tests.factories import make_id

    path = tmp_path / "花名册.csv"
    rows = [f"王{offset},{make_id(datetime.date(1980, 1, 1 + offset), '1')},男" for offset in range(3)]
    path.write_text("\n".join(["姓名,身份证号,性别", *rows, "钱七,123,男", ""]), encoding="utf-8")
    return path


def upload_and_check(page: Any, register: Any, *, all_or_nothing: bool) -> None:
    """Upload the file, start its check, and mark the page so a reload would show (the mark is lost)."""
    page.goto("/registry/import/")
    page.set_input_files("#file", str(register))
    page.click("main form button[type=submit]")
    page.wait_for_url("**/registry/import/*/")
    page.set_checked("input[name=all_or_nothing]", all_or_nothing)
    with page.expect_navigation():
        page.click("button[value=check]")
    expect(page.locator("#progress-live")).to_contain_text("检查中")
    expect(page.locator("select[name=map_id_number]")).to_have_count(0)  # no mapping while it runs
    page.evaluate("window.notReloaded = true")
    call_command("worker", "--batch")  # what `jisheng worker` does beside the server
    page.locator("#progress >> text=已检查").wait_for()


@pytest.mark.django_db(transaction=True)
def test_a_check_that_ends_while_its_page_is_open_shows_the_mapping_and_the_import_button_without_a_reload(
    page: Any, areas: dict[str, Any], make_user: Any, register: Any
) -> None:
    from jisheng.registry.models import ImportJob, Person

    make_user(areas["village_a"], "village_officer", username="wangcun", full_name="王村官")
    login(page, "wangcun", PASSWORD)
    upload_and_check(page, register, all_or_nothing=False)
    mapping = page.locator("form[action$='/run/']:has(select[name=map_id_number])")
    expect(mapping).to_be_visible()
    expect(mapping.locator("select[name=map_id_number] option:checked")).to_have_text("B · 身份证号")
    expect(mapping.locator("input[name=all_or_nothing]")).not_to_be_checked()
    expect(mapping.get_by_role("button", name="检查（试导入）")).to_be_visible()
    expect(page.locator("#progress").get_by_role("button", name="导入通过检查的行")).to_be_visible()
    expect(page.locator("#progress .error")).to_contain_text("第 5 行")
    expect(page.locator("#progress")).to_have_count(1)
    expect(page.locator("form[action$='/run/']:has(select)")).to_have_count(1)  # drawn once, not nested
    assert page.evaluate("window.notReloaded") is True
    with override_settings(REGISTRY_IMPORT_SYNC=True):  # as the register import test: SQLite in memory
        page.click("button[value=commit]")
        page.locator("#progress >> text=已完成").wait_for()
    assert Person.objects.filter(residence_area=areas["village_a"]).count() == 3
    assert ImportJob.objects.get().status == ImportJob.Status.DONE
    expect(page.locator("select[name=map_id_number]")).to_have_count(0)


@pytest.mark.django_db(transaction=True)
def test_an_all_or_nothing_check_that_refuses_a_row_can_be_checked_again_without_a_reload(
    page: Any, areas: dict[str, Any], make_user: Any, register: Any
) -> None:
    from jisheng.registry.models import ImportJob

    make_user(areas["village_a"], "village_officer", username="wangcun", full_name="王村官")
    login(page, "wangcun", PASSWORD)
    upload_and_check(page, register, all_or_nothing=True)
    expect(page.locator("#progress .error").first).to_contain_text("取消上方的“全部或全不”后重新检查")
    expect(page.locator("button[value=commit]")).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True
    page.uncheck("input[name=all_or_nothing]")  # the way forward: import the accepted rows
    with page.expect_navigation():
        page.click("button[value=check]")
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.CHECKING and not job.all_or_nothing


@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_ended_check_keeps_its_card_and_import_button_in_view(
    page: Any, areas: dict[str, Any], make_user: Any, register: Any
) -> None:
    make_user(areas["village_a"], "village_officer", username="wangcun", full_name="王村官")
    page.set_viewport_size({"width": 390, "height": 700})
    login(page, "wangcun", PASSWORD)
    upload_and_check(page, register, all_or_nothing=False)
    # The mapping is drawn above the card she was watching: the card stays where her eyes are.
    expect(page.locator("#progress").get_by_text("已检查")).to_be_in_viewport()
    expect(page.locator("button[value=commit]")).to_be_in_viewport()
    expect(page.locator("select[name=map_id_number]")).to_have_count(1)
    assert page.evaluate("window.notReloaded") is True
