"""The clerk's queue keeps the parts of its page that depend only on the catalogue (the heading, the
new-application links, the unfiltered filter form) like the portal's bodies (issue 17): a clerk's own
filter is never kept for another view, a clerk who may not apply never gets the links, and a catalogue
change shows at the next view."""

from __future__ import annotations

import datetime
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jisheng.hall.services import catalogue_item_update
from tests.factories import SETUP


def _filters(page: str) -> str:
    return page[page.index('id="queue-filter"') : page.index("</form>", page.index('id="queue-filter"'))]


def test_an_unfiltered_queue_view_reads_no_service_item_once_its_parts_are_kept(
    catalogue, staff, client_for
) -> None:
    clerk = client_for(staff["clerk"])
    first = clerk.get("/hall/").content.decode()
    with CaptureQueriesContext(connection) as kept_view:
        second = clerk.get("/hall/").content.decode()
    # The rows join the item for its name; no read of the items themselves.
    assert not [query for query in kept_view.captured_queries if 'FROM "hall_serviceitem"' in query["sql"]]
    assert catalogue["birth-registration"].name in second
    assert re.sub(r'"X-CSRFToken": "[^"]+"|value="[0-9a-zA-Z]{64}"', "", first) == re.sub(
        r'"X-CSRFToken": "[^"]+"|value="[0-9a-zA-Z]{64}"', "", second
    )


def test_a_clerks_filter_is_shown_to_them_and_never_kept_for_the_next_view(
    catalogue, staff, client_for
) -> None:
    clerk = client_for(staff["clerk"])
    clerk.get("/hall/")
    filtered = _filters(clerk.get("/hall/", {"q": "王小红", "item": "birth-registration"}).content.decode())
    assert 'value="王小红"' in filtered and 'value="birth-registration" selected' in filtered

    for page in (clerk.get("/hall/"), client_for(staff["clerk2"]).get("/hall/")):
        unfiltered = _filters(page.content.decode())
        assert "王小红" not in unfiltered and " selected" not in unfiltered


def test_a_reader_who_may_not_apply_never_gets_the_new_application_links(
    catalogue, staff, client_for
) -> None:
    new_links = "/hall/new/birth-registration/"
    assert new_links in client_for(staff["clerk"]).get("/hall/").content.decode()
    page = client_for(staff["auditor"]).get("/hall/").content.decode()
    assert page.count('id="queue-filter"') == 1 and new_links not in page
    assert new_links in client_for(staff["clerk2"]).get("/hall/").content.decode()


def test_an_item_ended_since_the_last_view_leaves_the_queue_at_the_next_view(
    catalogue, staff, client_for
) -> None:
    clerk = client_for(staff["clerk"])
    assert "/hall/new/birth-registration/" in clerk.get("/hall/").content.decode()
    catalogue_item_update(
        item=catalogue["birth-registration"],
        changes={"effective_to": timezone.localdate() - datetime.timedelta(days=1)},
        by=SETUP,
    )
    page = clerk.get("/hall/").content.decode()
    assert "/hall/new/birth-registration/" not in page
    assert 'value="birth-registration"' not in _filters(page)


def test_a_staff_account_without_an_area_counts_no_case(catalogue, areas, resident, staff, make_user) -> None:
    from jisheng.hall import queries, services

    services.application_submit(
        item=catalogue["only-child-honour"],
        person=resident,
        channel="counter",
        phone="13800138000",
        by=staff["clerk"],
    )
    nowhere = make_user(areas["township_a"], "counter_clerk", username="nowhere")
    nowhere.area = None
    assert queries.queue_counts(staff["clerk"])["open"] == 1
    assert set(queries.queue_counts(nowhere).values()) == {0}
