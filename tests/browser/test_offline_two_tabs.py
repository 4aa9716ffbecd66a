"""Two tabs of the same officer's offline app recording and sending at once: every record arrives
exactly once, and both tabs show the same outbox (each tab hears the other's changes)."""

from __future__ import annotations

import datetime
from typing import Any

from playwright.sync_api import expect

from tests.browser.test_offline_capture import (  # noqa: F401  (fixtures)
    Phone,
    phone,
    record_birth,
    sign_in_and_download,
    village,
)


def outbox_of(page: Any, records: int) -> list[tuple[str, str, str]]:
    """The outbox as this tab lists it, once it lists all the records (the count at the top is drawn
    before the list, which the tab draws after reading its store)."""
    page.click("button.tab[data-view=outbox]")
    rows = page.locator("#outbox-list li")
    expect(rows).to_have_count(records)
    return sorted(
        (row.get_attribute("data-client-id"), row.get_attribute("data-kind"), row.get_attribute("data-state"))
        for row in rows.all()
    )


def test_two_tabs_recording_and_sending_at_once_apply_each_record_once_and_agree(
    phone: Phone,  # noqa: F811
    village: dict[str, Any],  # noqa: F811
) -> None:
    from jisheng.offline.models import AppliedRecord
    from jisheng.outreach.models import Visit
    from jisheng.registry.models import Birth

    first = sign_in_and_download(phone)
    second = phone.context.new_page()
    second.set_default_timeout(30_000)
    second.goto("/offline/")
    second.wait_for_selector("body[data-synced]")

    phone.context.set_offline(True)
    record_birth(first, child="刘大宝")
    second.click("button.tab[data-view=households]")
    second.click("button:has-text('入户走访')")
    second.fill("#f-visited_on", datetime.date.today().isoformat())
    second.fill("#f-met", "刘桂芝")
    second.click("#record-form button[type=submit]")
    # Each tab shows both records waiting, the other tab's too, without a reload.
    for page in (first, second):
        page.wait_for_selector("#unsent-count[data-count='2']")
    assert outbox_of(first, 2) == outbox_of(second, 2)

    # The network returns: both tabs start sending at the same moment (the online event, and a tap).
    phone.context.set_offline(False)
    first.click("#sync-now")
    second.click("#sync-now")
    for page in (first, second):
        page.wait_for_selector("#unsent-count[data-count='0']", timeout=30_000)
    assert Birth.objects.filter(mother=village["mother"]).count() == 1
    assert Visit.objects.filter(household=village["household"]).count() == 1
    assert AppliedRecord.objects.count() == 2

    # Both tabs list the same two records, both sent.
    for page in (first, second):
        page.wait_for_selector("#outbox-list li[data-state=sent] >> nth=1")
    seen_first, seen_second = outbox_of(first, 2), outbox_of(second, 2)
    assert seen_first == seen_second
    assert sorted((kind, state) for _id, kind, state in seen_first) == [("birth", "sent"), ("visit", "sent")]
    assert {client_id for client_id, _kind, _state in seen_first} == {
        str(applied.client_id) for applied in AppliedRecord.objects.all()
    }
