"""Staff in plain words: a clerk asks for a certificate to be revoked (masked ID, a reason, a ticked
confirmation), the township head approves it, the auditor finds both steps in words under the kind
证件 (and in English after the switch), and a wrong address ends on a Chinese 404 with a way back."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import htmx_swap

PASSWORD = "Test#Pass2026"


@pytest.fixture
def certificate(areas: dict[str, Any], make_user: Any) -> Any:
    from jisheng.certificates import services

    clerk = make_user(areas["township_a"], "counter_clerk", username="clerk", full_name="王芳")
    make_user(areas["township_a"], "township_head", username="head", full_name="赵刚")
    make_user(areas["township_a"], "auditor", username="auditor", full_name="孙敏")
    return services.certificate_issue(
        kind="生育服务证",
        area=areas["village_a"],
        issuer=areas["township_a"],
        holder_name="王小红",
        holder_id_number="411723199203154526",
        details={"配偶": "李强"},
        source_ref="SQ-411723101-20261122-0001",
        by=clerk,
    )


def sign_in(page: Any, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit] >> nth=0")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.mark.django_db(transaction=True)
def test_a_revocation_is_asked_approved_and_read_in_words(page, certificate):
    sign_in(page, "clerk")
    page.goto(f"/certificates/{certificate.pk}/")
    assert "411723199203154526" not in page.content()
    assert page.locator(".masked-id").first.inner_text() == "411723********4526"

    form = page.locator("#revoke-request")
    form.locator("input[name=reason]").fill("骗取证件")
    form.locator("input[name=confirm]").check()
    form.locator("button[type=submit]").click()
    page.locator("text=已提交撤销申请，由乡镇负责人审批。").wait_for()
    assert page.locator("#revoke-decide").count() == 0  # the asker cannot approve

    sign_in(page, "head")
    page.goto(f"/certificates/{certificate.pk}/")
    decide = page.locator("#revoke-decide")
    assert "骗取证件" in decide.inner_text()
    decide.locator("input[name=confirm]").check()
    decide.locator("button[value=approve]").click()
    page.locator(".badge.bad", has_text="已撤销").wait_for()

    sign_in(page, "auditor")
    page.goto("/audit/")
    # Picking the kind redraws the rows (the rows before it list the revocation too: wait for the new ones).
    with htmx_swap(page, "form.filters", "kind=certificates"):
        page.select_option("#id_kind", "certificates")
    text = page.locator("#rows").inner_text()
    assert "申请撤销证件" in text and "certificates.revoke" not in text
    assert "王庄村" in text  # the area by name, not its code

    page.click("footer button[value=en]")
    page.goto("/audit/?kind=certificates")
    assert "Certificate revoked" in page.locator("#rows").inner_text()
    page.click("footer button[value=zh-hans]")

    page.goto("/audit/")
    page.goto("/registry/persons/999999/", referer=page.url)
    assert "您访问的页面不存在" in page.content()
    page.click("text=返回上一页")
    page.wait_for_url("**/audit/")
