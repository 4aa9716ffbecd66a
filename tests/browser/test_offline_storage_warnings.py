"""The offline app warns the village officer when the browser refuses persistent storage and when the
phone's storage is nearly full (``navigator.storage`` faked before the page's scripts run)."""

from __future__ import annotations

import json
from typing import Any

from tests.browser.conftest import login
from tests.browser.test_hall_rules import PASSWORD
from tests.browser.test_offline_capture import Phone, phone, village  # noqa: F401  (fixtures)


def fake_storage(*, persisted: bool, usage: int, quota: int) -> str:
    """An init script replacing ``navigator.storage`` with a stub giving these answers."""
    return (
        "Object.defineProperty(navigator, 'storage', {configurable: true, value: {"
        f"persisted: async () => {json.dumps(persisted)},"
        f"persist: async () => {json.dumps(persisted)},"
        f"estimate: async () => ({{usage: {usage}, quota: {quota}}}),"
        "}});"
    )


def open_with(phone: Phone, script: str) -> Any:  # noqa: F811
    page = phone.start()
    phone.context.add_init_script(script)
    login(page, "cungan", PASSWORD)
    phone.open_app()
    page.wait_for_selector("body[data-synced]")
    return page


def test_refused_persistent_storage_is_shown_as_a_warning(
    phone: Phone,  # noqa: F811
    village: dict[str, Any],  # noqa: F811
) -> None:
    page = open_with(phone, fake_storage(persisted=False, usage=1_000, quota=1_000_000))
    warning = page.locator("#storage-warning")
    warning.locator("p").first.wait_for()
    assert warning.is_visible()
    assert "未允许持久存储" in warning.inner_text()
    assert "将满" not in warning.inner_text()


def test_nearly_full_storage_is_shown_as_a_warning(
    phone: Phone,  # noqa: F811
    village: dict[str, Any],  # noqa: F811
) -> None:
    page = open_with(phone, fake_storage(persisted=True, usage=950_000, quota=1_000_000))
    warning = page.locator("#storage-warning")
    warning.locator("p").first.wait_for()
    assert warning.is_visible()
    assert "存储空间将满" in warning.inner_text()
    assert "持久存储" not in warning.inner_text()


def test_granted_storage_with_room_shows_no_warning(
    phone: Phone,  # noqa: F811
    village: dict[str, Any],  # noqa: F811
) -> None:
    page = open_with(phone, fake_storage(persisted=True, usage=1_000, quota=1_000_000))
    assert page.locator("#storage-warning").is_hidden()
