"""A resident applies online with a material missing, gets one notice, re-submits; the clerk approves; the
resident downloads the certificate and its QR code verifies on the public page."""

from __future__ import annotations

import datetime
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import login
from tests.browser.test_hall_rules import ensure_roles
from tests.factories import SETUP, make_person

PHONE = "13800138000"
PASSWORD = "Test#Pass2026"


@pytest.fixture
def hall_world(areas: dict[str, Any], make_user: Any) -> dict[str, Any]:
    from jisheng.hall import services

    ensure_roles()
    services.catalogue_load(by=SETUP)
    clerk = make_user(areas["township_a"], "counter_clerk", username="clerk", full_name="李红梅")
    clerk2 = make_user(areas["township_a"], "counter_clerk", username="clerk2", full_name="赵丽娟")
    services.post_create(
        office=areas["township_a"], name="综合受理岗", holder_a=clerk, holder_b=clerk2, by=SETUP
    )
    person = make_person(
        name="王小红",
        id_number="411723199203154526",
        sex="2",
        birth=datetime.date(1992, 3, 15),
        area=areas["village_a"],
        phone=PHONE,
        residence=False,
    )
    return {"clerk": clerk, "person": person}


@pytest.mark.django_db(transaction=True)
def test_a_resident_gets_a_verifiable_certificate_online(
    page: Any, hall_world: Any, tmp_path: Path, browser: Any
) -> None:
    page.set_default_timeout(30_000)  # the shared test machine is often busy
    import zxingcpp
    from PIL import Image

    pdf_path = tmp_path / "form.pdf"
    pdf_path.write_bytes(b"%PDF-1.4\n% signed form\n")

    # The resident applies without the signed registration form.
    page.goto("/portal/")
    page.click("a[href='/portal/items/birth-registration/apply']")
    page.fill("#name", "王小红")
    page.fill("#id_number", "411723199203154526")
    page.fill("#phone", PHONE)
    page.click("#submit-application")
    number = page.inner_text("#application-number")
    assert number.startswith("SQ-411723101-")

    # The clerk issues one notice listing the missing form.
    clerk_context = browser.new_context(locale="zh-CN", base_url=page.url.split("/portal")[0])
    clerk = clerk_context.new_page()
    clerk.set_default_timeout(30_000)
    login(clerk, "clerk", PASSWORD)
    clerk.goto("/hall/")
    clerk.click(f"text={number}")
    clerk.click("#issue-notice")
    assert "等待" in clerk.inner_text("#case-status")

    # The resident sees the notice listing exactly that material and hands it in.
    page.reload()
    problems = page.locator("#notice-1 .notice-problems li").all_inner_texts()
    assert len(problems) == 1 and "生育登记表" in problems[0]
    page.set_input_files("input[name=m-registration-form]", str(pdf_path))
    page.click("#resubmit")
    assert "办理中" in page.inner_text("#status")

    # The clerk approves.
    clerk.reload()
    clerk.click("#approve")
    assert "已批准" in clerk.inner_text("#case-status")
    clerk_context.close()

    # The resident downloads the certificate; its QR code opens a page saying it is valid.
    page.reload()
    with page.expect_download() as download_info:
        page.click("#download-certificate")
    certificate = tmp_path / "certificate.pdf"
    download_info.value.save_as(certificate)
    text = subprocess.run(
        ["pdftotext", str(certificate), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "生育服务证" in text and "王小红" in text
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(certificate), str(tmp_path / "c")],
        check=True,
    )
    qr = zxingcpp.read_barcodes(Image.open(next(tmp_path.glob("c*.png"))))[0].text
    path = qr[qr.index("/verify/") :]
    page.goto(path)
    assert "证书有效" in page.inner_text("#verification-message")
    assert "王*红" in page.content() and "王小红" not in page.content()
