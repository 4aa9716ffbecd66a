"""The portal's application form: its item part (the name, the booking box, the materials and their
blank forms) is the same for every visitor and kept like the guides' bodies; the frame and the form's
own fields (CSRF token, the resident's entries) are drawn at each view; a POST takes the item with its
materials kept with the form (issue 17; its submission's tests: `test_posts_kept.py`)."""

from __future__ import annotations

import datetime
import re
import shutil
from typing import Any

from django.db import connection
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jisheng.hall import portal_kept
from jisheng.hall.services import catalogue_item_update
from tests.factories import SETUP

FORM = "/portal/items/birth-registration/apply"


def _token(page: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert match is not None
    return match.group(1)


def _without_tokens(page: str) -> str:
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", page)


def test_the_form_is_drawn_once_and_never_carries_another_visitors_csrf_token(catalogue: Any) -> None:
    first, second = Client(), Client()
    drawn = first.get(FORM).content.decode()
    with CaptureQueriesContext(connection) as kept_view:
        other = second.get(FORM).content.decode()
    again = first.get(FORM).content.decode()

    assert "生育登记表（申请人签字）" in drawn and "/portal/items/birth-registration/forms/" in drawn
    assert not [query for query in kept_view.captured_queries if "hall_" in query["sql"].split("FROM")[1]]
    assert _unmask_cipher_token(_token(drawn)) == first.cookies["csrftoken"].value
    assert _unmask_cipher_token(_token(other)) == second.cookies["csrftoken"].value
    assert first.cookies["csrftoken"].value != second.cookies["csrftoken"].value
    assert _without_tokens(drawn) == _without_tokens(other) == _without_tokens(again)


def test_a_material_renamed_in_the_catalogue_shows_on_the_form_at_the_next_view(
    catalogue: Any, tmp_path: Any
) -> None:
    from jisheng.hall import policy
    from jisheng.hall.services import catalogue_load

    client = Client()
    assert "生育登记表（申请人签字）" in client.get(FORM).content.decode()
    for name in ("items.toml", "offices.toml", "qa.toml"):
        shutil.copy(policy.POLICY_DIR / name, tmp_path / name)
    items = (tmp_path / "items.toml").read_text(encoding="utf-8")
    items = re.sub(r'^version = "([^"]+)"', r'version = "\1.1"', items, count=1, flags=re.MULTILINE)
    (tmp_path / "items.toml").write_text(
        items.replace("生育登记表（申请人签字）", "生育登记表（夫妻双方签字）", 1), encoding="utf-8"
    )

    catalogue_load(by=SETUP, directory=tmp_path)

    page = client.get(FORM).content.decode()
    assert "生育登记表（夫妻双方签字）" in page and "生育登记表（申请人签字）" not in page


def test_an_item_ended_since_the_last_view_is_no_longer_offered_at_the_next_view(catalogue: Any) -> None:
    client = Client()
    assert client.get(FORM).status_code == 200
    catalogue_item_update(
        item=catalogue["birth-registration"],
        changes={"effective_to": timezone.localdate() - datetime.timedelta(days=1)},
        by=SETUP,
    )
    response = client.get(FORM)
    assert response.status_code == 302 and response["Location"] == "/portal/items/birth-registration/"


def test_a_refused_application_shows_the_residents_entries_again_in_the_kept_form(catalogue: Any) -> None:
    client = Client()
    client.get(FORM)
    response = client.post(
        FORM, {"name": "钱无名", "id_number": "411723199001011234", "phone": "13800138000"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="钱无名"' in page and 'value="13800138000"' in page
    assert "生育登记表（申请人签字）" in page
    assert 'value="钱无名"' not in Client().get(FORM).content.decode()


def test_an_unknown_items_form_is_not_found_and_nothing_is_kept(catalogue: Any) -> None:
    portal_kept.clear()
    assert Client().get("/portal/items/no-such-item/apply").status_code == 404
    assert portal_kept._bodies == {}
