"""A resident on a phone is told: the clerk's one-time notice and the approval each reach the case page as a
message, sent as an SMS by the periodic work."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_portal_resident import PHONE, PHONE_VIEWPORT, resident_world  # noqa: F401


@pytest.mark.django_db(transaction=True)
def test_a_resident_sees_the_notice_and_the_approval_as_messages_on_the_case_page(
    browser: Any,
    live_server: Any,
    resident_world: Any,  # noqa: F811 - the fixture imported above
    settings: Any,
    tmp_path: Path,
) -> None:
    from jisheng.hall import services
    from jisheng.hall.models import Application
    from jisheng.messaging.services import messages_send

    settings.DATA_DIR = tmp_path
    context = browser.new_context(
        locale="zh-CN", base_url=live_server.url, viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(30_000)  # the shared test machine is often busy

    page.goto("/portal/items/birth-registration/apply")
    page.fill("#name", "王小红")
    page.fill("#id_number", "411723199203154526")
    page.fill("#phone", PHONE)
    page.click("#submit-application")
    number = page.inner_text("#application-number")
    assert page.locator("#case-messages").count() == 0

    application = Application.objects.get(number=number)
    clerk = resident_world["clerk"]
    services.notice_issue(application=application, problems=[{"code": "registration-form"}], by=clerk)
    page.reload()
    assert "需补正材料：生育登记表" in page.inner_text("#case-messages")
    assert "短信已发送" not in page.inner_text("#case-messages")

    messages_send()
    page.reload()
    assert "短信已发送" in page.inner_text("#case-messages")
    assert PHONE in (tmp_path / "sms-outbox.jsonl").read_text(encoding="utf-8")
    context.close()
