"""A resident's browser sees the cases it proved, through a signed cookie of its own and no session row;
the cookie cannot be made up or changed, lapses after 30 idle minutes, and is kept while read."""

from __future__ import annotations

import datetime
import time
from typing import Any

from django.contrib.sessions.models import Session
from django.core import signing
from django.test import Client

from jisheng.hall import portal_proof
from jisheng.hall.models import Application
from tests.factories import make_id

from .conftest import PHONE, make_person

FORM = "/portal/items/birth-registration/apply"


def _apply(client: Client, person: Any) -> Any:
    return client.post(FORM, {"name": person.name, "id_number": person.id_number, "phone": PHONE})


def _resident(areas: dict[str, Any], day: int = 1) -> Any:
    return make_person(areas["village_a"], "王小红", make_id(datetime.date(1990, 1, day), "2"))


def test_applying_shows_the_case_to_this_browser_alone_and_writes_no_session(catalogue, areas, staff):
    client = Client()
    response = _apply(client, _resident(areas))
    case = Application.objects.get()

    assert response.status_code == 302 and response["Location"] == f"/portal/track/{case.number}/"
    assert client.get(response["Location"]).status_code == 200
    assert Client().get(response["Location"]).status_code == 404  # another browser
    assert not Session.objects.exists()


def test_a_changed_or_made_up_cookie_shows_nothing(catalogue, areas, staff):
    client = Client()
    _apply(client, _resident(areas))
    number = Application.objects.get().number
    page = f"/portal/track/{number}/"

    genuine = client.cookies[portal_proof.COOKIE].value
    client.cookies[portal_proof.COOKIE] = genuine[:-2] + ("AA" if not genuine.endswith("AA") else "BB")
    assert client.get(page).status_code == 404
    # Signed with another key (a copy of the site elsewhere, or a guess): refused too.
    forged = signing.dumps(
        {"n": [number], "t": int(time.time())}, key="not-this-server", salt=portal_proof.SALT
    )
    client.cookies[portal_proof.COOKIE] = forged
    assert client.get(page).status_code == 404


def test_the_proof_lapses_after_thirty_idle_minutes_and_is_kept_while_read(catalogue, areas, staff, settings):
    client = Client()
    _apply(client, _resident(areas))
    number = Application.objects.get().number
    page = f"/portal/track/{number}/"

    # Written 31 minutes ago: lapsed, like an idle session.
    client.cookies[portal_proof.COOKIE] = portal_proof.cookie_value([number], now=time.time() - 31 * 60)
    assert client.get(page).status_code == 404

    # Written 29 minutes ago: shown, and written again, so reading the case keeps it.
    client.cookies[portal_proof.COOKIE] = portal_proof.cookie_value([number], now=time.time() - 29 * 60)
    response = client.get(page)
    assert response.status_code == 200
    renewed = response.cookies[portal_proof.COOKIE]
    assert renewed["httponly"] and renewed["samesite"] == "Lax" and renewed["max-age"] == 30 * 60
    assert time.time() - signing.loads(renewed.value, salt=portal_proof.SALT)["t"] < 5

    # Written just now: shown, and not written again at every view.
    assert portal_proof.COOKIE not in client.get(page).cookies


def test_looking_a_case_up_adds_it_and_keeps_the_twenty_newest(catalogue, areas, staff):
    first = Client()
    _apply(first, _resident(areas))
    number = Application.objects.get().number
    older = [f"SQ-000000000-20260101-{index:04d}" for index in range(25)]

    other = Client()
    other.cookies[portal_proof.COOKIE] = portal_proof.cookie_value(older)
    response = other.post("/portal/track/", {"number": number.lower(), "phone": PHONE})

    assert response.status_code == 302 and other.get(response["Location"]).status_code == 200
    kept = signing.loads(other.cookies[portal_proof.COOKIE].value, salt=portal_proof.SALT)["n"]
    assert kept == [*older[-(portal_proof.KEEP - 1) :], number]


def _attempts() -> int:
    from jisheng.core.models import Counter

    return sum(Counter.objects.filter(key__startswith="rate:portal-apply:").values_list("count", flat=True))


def test_every_attempt_at_the_form_is_counted_once_and_the_eleventh_is_refused(
    catalogue, areas, staff, monkeypatch
):
    monkeypatch.setattr("jisheng.core.ratelimit.window_number", lambda window: 1)
    client = Client()
    resident, stranger = _resident(areas, 1), _resident(areas, 2)

    wrong = client.post(FORM, {"name": "李四", "id_number": resident.id_number, "phone": PHONE})
    assert "Identity check failed" in wrong.content.decode() or "身份核验" in wrong.content.decode()
    assert _attempts() == 1
    assert _apply(client, resident).status_code == 302  # counted in the application's transaction
    assert _attempts() == 2
    again = _apply(client, resident)  # refused (an open case), rolled back, and counted all the same
    assert again.status_code == 200 and Application.objects.count() == 1
    assert _attempts() == 3
    for _ in range(7):
        client.post(FORM, {"name": "李四", "id_number": resident.id_number, "phone": PHONE})
    assert _attempts() == 10

    refused = _apply(client, stranger)
    assert refused.status_code == 200 and Application.objects.count() == 1
    assert _attempts() == 10  # a full window is refused without a write
