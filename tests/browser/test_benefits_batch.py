"""A 育儿补贴 batch goes from proposal through public notice, township review, county approval and
payment in the browser; a stale second approval and a repeated bank-file click pay nobody twice. The
township records each payee's account; the county officer who approves does not pay (four eyes)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from tests.factories import make_person

PASSWORD = "Test#Pass2026"


@pytest.fixture(autouse=True)
def jobs_run_in_the_request(settings: Any) -> None:
    """The run, export, compilation and approval are worker jobs; here the request runs them, and the
    page goes where it goes when a job ended at once (the job pages and the worker have their tests)."""
    settings.JISHENG_JOBS_SYNC = True


@pytest.fixture
def world(areas: dict[str, Any], make_user: Any) -> dict[str, Any]:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    make_user(areas["township_a"], "township_head", username="township", full_name="张建国")
    make_user(areas["village_a"], "village_officer", username="village", full_name="王秀兰")
    county = make_user(areas["county"], "county_staff", username="county", full_name="刘志强")
    TOTPDevice.objects.create(user=county, name="default", confirmed=True)
    payer = make_user(areas["county"], "county_staff", username="county2", full_name="黄海燕")
    TOTPDevice.objects.create(user=payer, name="default", confirmed=True)
    for name, born, village in (
        ("王小一", datetime.date(2025, 3, 1), "village_a"),
        ("李小二", datetime.date(2022, 12, 31), "village_a2"),
    ):
        make_person(name=name, sex="1", birth=born, area=areas[village], phone="", residence=False)
    return {"areas": areas}


def sign_out(page: Any) -> None:
    page.context.clear_cookies()


def sign_in(page: Any, username: str) -> None:
    """The conftest login, waiting for each navigation (the second factor for county staff)."""
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    if "/accounts/otp/" in page.url:
        from django_otp.oath import TOTP
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.get(user__username=username)
        code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
        page.fill("input[name=token]", f"{code:06d}")
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/" not in url)


@pytest.mark.django_db(transaction=True)
def test_a_batch_is_proposed_noticed_reviewed_approved_and_paid_once(
    page: Any, world: Any, browser: Any
) -> None:
    from jisheng.benefits.models import Batch, Payment

    # The township head runs the programme and keeps the proposals as a batch.
    sign_in(page, "township")
    page.goto("/benefits/run/?programme=childcare_subsidy&year=2025&area=411723101000")
    assert "3300.00" in page.inner_text("body")
    page.click("#propose-batch")
    page.wait_for_url("**/benefits/batches/*/")
    batch = Batch.objects.get()
    assert page.inner_text("#batch-total") == "6900.00"
    page.click("#start-notice")
    assert "公示中" in page.inner_text("#batch-status")

    # The village officer records an objection against her villager during the notice period.
    sign_out(page)
    sign_in(page, "village")
    page.goto(f"/benefits/batches/{batch.pk}/notice/")
    assert "王小一" in page.inner_text("#notice") and "李小二" not in page.inner_text("#notice")
    page.goto(f"/benefits/batches/{batch.pk}/")
    page.click("#lines summary >> text=登记异议")
    page.fill("input[name=raised_by]", "村民张某")
    page.fill("input[name=content]", "核实出生日期")
    page.click("#lines button:has-text('登记')")
    page.fill("input[name=resolution]", "经核实无误")
    page.click("button:has-text('异议不成立')")
    assert "异议已处理" in page.inner_text(".messages")

    # The notice period passes; the township head reviews.
    Batch.objects.filter(pk=batch.pk).update(
        notice_start=datetime.date(2020, 1, 1), notice_end=datetime.date(2020, 1, 8)
    )
    sign_out(page)
    sign_in(page, "township")
    page.goto(f"/benefits/batches/{batch.pk}/")
    page.fill("input[name=reason]", "公示期满，无成立的异议")
    page.click("#review-accept")
    assert "乡镇已初审" in page.inner_text("#batch-status")

    # The township records each payee's account; a mistyped card is refused with what was typed kept.
    page.goto(f"/benefits/batches/{batch.pk}/accounts/")
    assert "2 条名单缺少有效的收款账户" in page.inner_text("#lacking-count")
    for name, card in (("王小一", "6228481234567890128"), ("李小二", "6217001234567890122")):
        row = page.locator("#lacking tr", has_text=name)
        row.locator("input[name=bank_account]").fill(card if name == "李小二" else card[:-1] + "7")
        row.locator("input[name=bank_name]").fill("中国农业银行平舆县支行")
        row.locator("input[name=account_holder]").fill(name)
        row.locator("button").click()
        if name == "王小一":
            row = page.locator("#lacking tr", has_text=name)
            assert "校验位不正确" in row.inner_text()
            assert row.locator("input[name=bank_account]").input_value() == card[:-1] + "7"
            row.locator("input[name=bank_account]").fill(card)
            row.locator("button").click()
    assert "所有名单均已登记有效的收款账户" in page.inner_text("#lacking-count")

    # The county approves; a second tab with the same stale form approves again and is refused.
    sign_out(page)
    sign_in(page, "county")
    page.goto(f"/benefits/batches/{batch.pk}/")
    stale = page.context.new_page()
    stale.goto(f"/benefits/batches/{batch.pk}/")
    page.fill("input[name=reason]", "同意")
    page.click("#approve")
    assert "县级已批准" in page.inner_text("#batch-status")
    stale.fill("input[name=reason]", "同意（重复）")
    stale.click("#approve")
    assert "不能执行此步骤" in stale.inner_text(".messages")
    assert page.locator("#issue-payments").count() == 0  # the approver does not pay

    # Another county officer prepares the bank file twice (a repeated click from a stale tab):
    # each child once.
    sign_out(page)
    sign_in(page, "county2")
    page.goto(f"/benefits/batches/{batch.pk}/")
    page.click("#issue-payments")
    stale.goto(f"/benefits/batches/{batch.pk}/")
    stale.click("#issue-payments")
    assert Payment.objects.count() == 2
    with page.expect_download() as download:
        page.click("text=银行代发文件（.xlsx）")
    assert download.value.suggested_filename.endswith(".xlsx")

    # The bank's return: both paid; the batch closes with every yuan traced.
    for _ in range(2):
        page.click("#payments button[value=paid]")
    assert "已发放办结" in page.inner_text("#batch-status")
    assert sum(p.amount for p in Payment.objects.filter(status="paid")) == Batch.objects.get().total
