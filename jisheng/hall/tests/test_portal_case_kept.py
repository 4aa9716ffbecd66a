"""The resident's own case page reads the case, its notices, progress and the item's materials by
statements compiled once and kept (``views_portal._allowed_case``, issue 17): a browser still sees only
the cases it proved, and every step of the case shows at the next view."""

from __future__ import annotations

import datetime
from typing import Any

from django.test import Client

from jisheng.hall import services
from tests.factories import A_RESIDENT, make_id

from .conftest import PHONE, make_person, upload


def _online(catalogue: Any, person: Any) -> Any:
    return services.application_submit(
        item=catalogue["migrant-marital-certificate"],
        person=person,
        channel="online",
        phone=PHONE,
        by=A_RESIDENT,
        uploads=[upload("photo")],
    )


def _two_cases_each_proved_by_its_own_browser(
    catalogue: Any, areas: Any, resident: Any
) -> tuple[Any, Any, Client, Client]:
    """Our resident's case and a neighbour's, each tracked by a browser that proved its number."""
    ours = _online(catalogue, resident)
    theirs = _online(
        catalogue, make_person(areas["village_b"], "周小兰", make_id(datetime.date(1990, 6, 1), "2"))
    )
    owner, other = Client(), Client()
    owner.post("/portal/track/", {"number": ours.number, "phone": PHONE})
    other.post("/portal/track/", {"number": theirs.number, "phone": PHONE})
    return ours, theirs, owner, other


def test_a_browser_never_sees_a_case_it_has_not_proved_once_the_page_is_kept(
    catalogue: Any, areas: Any, resident: Any
) -> None:
    ours, theirs, owner, other = _two_cases_each_proved_by_its_own_browser(catalogue, areas, resident)

    assert owner.get(f"/portal/track/{ours.number}/").status_code == 200
    assert other.get(f"/portal/track/{ours.number}/").status_code == 404
    page = other.get(f"/portal/track/{theirs.number}/").content.decode()
    assert theirs.number in page and ours.number not in page
    assert owner.get(f"/portal/track/{theirs.number}/").status_code == 404
    assert owner.get(f"/portal/track/{ours.number}/receipt").status_code == 200


def test_a_notice_the_correction_form_and_the_decision_show_at_the_next_view(
    catalogue: Any, resident: Any, staff: Any
) -> None:
    application = _online(catalogue, resident)
    client = Client()
    client.post("/portal/track/", {"number": application.number, "phone": PHONE})
    first = client.get(f"/portal/track/{application.number}/").content.decode()
    assert 'id="notice-1"' not in first and 'id="resubmit"' not in first

    services.notice_issue(
        application=application, problems=[{"code": "photo", "problem": "不清晰"}], by=staff["clerk"]
    )
    waiting = client.get(f"/portal/track/{application.number}/").content.decode()
    assert 'id="notice-1"' in waiting and "不清晰" in waiting
    assert 'id="resubmit"' in waiting and 'name="m-photo"' in waiting

    services.application_resubmit(application=application, received_materials=["photo"], by=staff["clerk"])
    application.refresh_from_db()
    services.application_approve(application=application, by=staff["clerk"])
    decided = client.get(f"/portal/track/{application.number}/").content.decode()
    assert 'id="resubmit"' not in decided and 'id="rate-form"' in decided
    assert decided.index('id="notice-1"') < decided.index('id="rate-form"')


def test_each_case_page_shows_its_own_messages_once_their_read_is_kept(
    catalogue: Any, areas: Any, resident: Any, staff: Any
) -> None:
    ours, theirs, owner, other = _two_cases_each_proved_by_its_own_browser(catalogue, areas, resident)
    other.get(f"/portal/track/{theirs.number}/")  # the messages' read compiled and kept

    services.notice_issue(
        application=ours, problems=[{"code": "photo", "problem": "照片模糊"}], by=staff["clerk"]
    )
    mine = owner.get(f"/portal/track/{ours.number}/").content.decode()
    others = other.get(f"/portal/track/{theirs.number}/").content.decode()
    assert 'id="case-messages"' in mine and 'id="case-messages"' not in others
    assert "照片模糊" not in others
