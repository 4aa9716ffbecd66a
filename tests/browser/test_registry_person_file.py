"""A county clerk finds 张三 by typing "zs", opens the person file, sees the ID masked, reveals it
with a reason, and the reading is in the audit trail."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from tests.browser.conftest import htmx_swap

PASSWORD = "Test#Pass2026"


@pytest.fixture
def zhang_san(areas: dict[str, Any], make_user: Any) -> Any:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.factories import make_person

    county = make_user(areas["county"], "county_staff", username="county", full_name="刘志强")
    TOTPDevice.objects.create(user=county, name="default", confirmed=True)
    make_person(area=areas["village_a"], name="李四", sex="1", birth=datetime.date(1980, 1, 1))
    return make_person(area=areas["village_a"], name="张三", sex="1", birth=datetime.date(1985, 3, 2))


def sign_in(page: Any, username: str) -> None:
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
def test_a_county_clerk_finds_zhang_san_by_initials_and_reveals_his_id_with_a_reason(page, zhang_san):
    from jisheng.audit.models import AuditEvent

    sign_in(page, "county")
    page.click("nav >> text=人口查询")
    searches: list[str] = []
    page.on(
        "request", lambda request: searches.append(request.url) if request.headers.get("hx-request") else None
    )
    page.fill("#q", "zs")  # no submit: htmx updates the results as the user types
    link = page.locator("#results a", has_text="张三")
    link.wait_for()
    assert page.locator("#results").inner_text().count("李四") == 0
    # The age box searches as she types, as the name box does, not when she leaves it.
    with htmx_swap(page, "form.filters", "age_min=18"):
        page.fill("#age_min", "18")
    link.click()
    page.wait_for_url(f"**/registry/persons/{zhang_san.pk}/")
    # Tapping the result leaves the box; that must not start another search under the tap.
    assert len(searches) == 2, searches
    masked = page.locator(".masked-id").first.inner_text()
    assert masked == zhang_san.masked_id and zhang_san.id_number not in page.content()
    reveal = page.locator("form.reveal").first
    reveal.locator("input[name=reason]").fill("核对生育登记材料")
    reveal.locator("button").click()
    page.locator(".revealed").wait_for()
    assert page.locator(".revealed").inner_text() == zhang_san.id_number
    event = AuditEvent.objects.get(action="person.reveal_id")
    assert (event.actor_username, event.object_id, event.reason) == (
        "county",
        str(zhang_san.pk),
        "核对生育登记材料",
    )
