"""An auditor filters the audit trail as she types or picks a kind, and taps an event: the tap opens
it, because leaving the box does not redraw the rows under her finger."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import htmx_swap, login

PASSWORD = "Test#Pass2026"


@pytest.fixture
def auditor(areas: dict[str, Any], make_user: Any) -> Any:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = make_user(areas["county"], "auditor", username="shenji", full_name="审计员")
    TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    return user


def htmx_requests(page: Any) -> list[str]:
    seen: list[str] = []
    page.on(
        "request", lambda request: seen.append(request.url) if request.headers.get("hx-request") else None
    )
    return seen


@pytest.mark.django_db(transaction=True)
def test_an_auditor_types_a_name_then_taps_an_event_and_the_event_opens(page, auditor):
    login(page, "shenji", PASSWORD)  # her own sign-in is on the trail
    page.goto("/audit/")
    searches = htmx_requests(page)
    with htmx_swap(page, "form.filters", "q=shenji"):
        page.fill("#id_q", "shenji")
    first_event = page.locator("#rows td a").first
    event_id = first_event.inner_text()
    first_event.click()
    page.wait_for_url(f"**/audit/{event_id}/")
    assert len(searches) == 1, searches


@pytest.mark.django_db(transaction=True)
def test_picking_a_kind_of_action_redraws_the_rows_without_pressing_search(page, auditor):
    login(page, "shenji", PASSWORD)
    page.goto("/audit/")
    searches = htmx_requests(page)
    with htmx_swap(page, "form.filters", "kind=area"):
        page.select_option("#id_kind", label="行政区划")
    assert "没有符合条件的记录" in page.locator("#rows").inner_text()
    assert len(searches) == 1, searches
    assert "shenji" not in page.locator("#rows").inner_text()
