"""Headless Chromium (Debian's package, driven by Playwright) against a live Jisheng server.

Never `playwright install`: the browser is /usr/bin/chromium. Every test here is marked `browser`.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

CHROMIUM = os.environ.get("JISHENG_CHROMIUM", "/usr/bin/chromium")
# How long an action or a check waits for the page. Long: on a busy machine (the whole suite, both
# databases side by side on two cores) a page can take many seconds, and a passing test never waits it out.
TIMEOUT_MS = 30_000
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items: list[Any]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium (scripts/test does)")
    from playwright.sync_api import expect, sync_playwright

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # expect() retries until the page shows what it should; its own default (5 s) is too short on a
    # busy machine, so it waits as long as the pages' actions do.
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


def login(page: Any, username: str, password: str) -> None:
    """Sign in through the real form; for roles with a second factor, enter the current TOTP code."""
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main form button[type=submit] >> nth=0")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    if "/accounts/otp/" in page.url:
        from django_otp.oath import TOTP
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from jisheng.accounts.models import User

        device = TOTPDevice.objects.filter(user=User.objects.get(username=username)).first()
        assert device is not None
        code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
        page.fill("input[name=token]", f"{code:06d}")
        page.click("main form button[type=submit] >> nth=0")
        page.wait_for_url(lambda url: "/accounts/otp/" not in url)


@contextmanager
def htmx_swap(page: Any, sender: str, url_part: str) -> Iterator[None]:
    """Wait until the htmx request started in the block (its address contains `url_part`) is answered
    and its answer is in the page. The answer's arrival alone is not enough: htmx swaps it in a moment
    later, and reading the page in between reads the rows from before. htmx keeps the class
    htmx-request on the sending element (`sender`) until it has swapped the answer in."""
    from playwright.sync_api import expect

    with page.expect_response(lambda response: url_part in response.url):
        yield
    expect(page.locator(sender)).not_to_have_class(re.compile(r"(^|\s)htmx-request(\s|$)"))
