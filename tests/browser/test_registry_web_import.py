"""A village officer imports a register from the browser: upload, guessed columns, a dry run in the
background that the page follows until the refused rows are listed, then the accepted rows imported."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings
from openpyxl import Workbook
from playwright.sync_api import expect

from .conftest import login

PASSWORD = "Test#Pass2026"


@pytest.fixture
def register(tmp_path: Any, areas: dict[str, Any]) -> Any:
    from tests.factories import make_id

    book = Workbook()
    sheet = book.active
    sheet.append(["王庄村人口花名册"])
    sheet.append(["姓名", "身份证号", "性别", "出生日期", "联系电话"])
    start = datetime.date(1970, 1, 1)
    for offset in range(300):
        birth = start + datetime.timedelta(days=offset * 37)
        sheet.append(
            [f"王{offset}", make_id(birth, "1"), "男", f"{birth.year}年{birth.month}月{birth.day}日", ""]
        )
    sheet.append(["钱七", 4.11723198503021e17, "男", "1985-03-02", ""])  # the ID Excel turned into a number
    path = tmp_path / "花名册.xlsx"
    book.save(path)
    return path


@pytest.mark.django_db(transaction=True)
def test_a_village_officer_checks_then_imports_a_register_and_the_page_follows_the_job(
    page: Any, areas: dict[str, Any], make_user: Any, register: Any
) -> None:
    from jisheng.registry.models import ImportJob, Person

    make_user(areas["village_a"], "village_officer", username="wangcun", full_name="王村官")
    login(page, "wangcun", PASSWORD)
    page.goto("/registry/import/")
    page.set_input_files("#file", str(register))
    page.click("main form button[type=submit]")
    page.wait_for_url("**/registry/import/*/")
    assert page.locator("select[name=map_id_number] option[selected]").inner_text().endswith("身份证号")
    page.uncheck("input[name=all_or_nothing]")  # import the accepted rows even if some are refused
    with page.expect_navigation():
        page.click("button[value=check]")
    # The dry run is queued as a background job (the page after the click says it is being checked);
    # `jisheng worker` (started by `jisheng serve` in production) runs it, and the progress card polls
    # its figures until the job is checked, then draws itself whole with the refused rows.
    expect(page.locator("#progress-live")).to_contain_text("检查中")
    call_command("worker", "--batch")
    page.locator("#progress >> text=已检查").wait_for(timeout=30_000)
    expect(page.locator("#progress")).to_have_count(1)  # the whole card drawn in place of the card
    assert "第 303 行" in page.locator("#progress .error").inner_text()
    assert not Person.objects.exists()
    # The commit runs in the request here: the test database is SQLite in memory with a shared
    # cache, where a session saved by the polling page while the import thread writes fails at once
    # instead of waiting as it does on the real database file.
    with override_settings(REGISTRY_IMPORT_SYNC=True):
        page.click("button[value=commit]")
        page.locator("#progress >> text=已完成").wait_for(timeout=30_000)
    assert "300" in page.locator("#progress").inner_text()
    assert Person.objects.filter(residence_area=areas["village_a"]).count() == 300
    assert ImportJob.objects.get().status == ImportJob.Status.DONE
