"""The portal's home is the same for every visitor in one language on one day: its body is drawn once and
kept until the catalogue changes, and the frame around it (CSRF token, session, the staff menu) is
drawn for each visitor (issue 17)."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.conf import settings
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.utils import timezone

from jisheng.hall import portal_kept, queries
from jisheng.hall.services import catalogue_item_update
from tests.factories import SETUP


@pytest.fixture(autouse=True)
def nothing_kept() -> Any:
    portal_kept.clear()
    yield
    portal_kept.clear()


def _token(page: str) -> str:
    match = re.search(r'"X-CSRFToken": "([^"]+)"', page)
    assert match is not None
    return match.group(1)


def _body(page: str) -> str:
    return page.split('<main class="content">', 1)[1].split("</main>", 1)[0]


def test_a_kept_portal_page_never_carries_another_visitors_csrf_token_or_session(
    catalogue: Any, areas: Any, make_user: Any, client_for: Any
) -> None:
    first, second = Client(), Client()
    pages = []
    for visitor in (first, second, first):
        response = visitor.get("/portal/")
        assert response.status_code == 200
        pages.append(response.content.decode())
    secrets = [_unmask_cipher_token(_token(page)) for page in pages]
    assert secrets[0] == first.cookies["csrftoken"].value == secrets[2]
    assert secrets[1] == second.cookies["csrftoken"].value != secrets[0]
    assert _body(pages[0]) == _body(pages[1]) == _body(pages[2])
    clerk = make_user(areas["township_a"], "counter_clerk", full_name="李柜员")
    staff_page = client_for(clerk).get("/portal/").content.decode()
    assert "李柜员" in staff_page and _body(staff_page) == _body(pages[0])
    after = Client().get("/portal/").content.decode()
    assert "李柜员" not in after and 'id="staff-sign-in"' in after


def test_the_portal_home_is_drawn_once_and_then_kept(catalogue: Any, monkeypatch: Any) -> None:
    drawn = []
    items = queries.effective_items

    def counted(*args: Any, **kwargs: Any) -> Any:
        drawn.append(1)
        return items(*args, **kwargs)

    monkeypatch.setattr(queries, "effective_items", counted)
    client = Client()
    pages = [client.get("/portal/").content.decode() for _view in range(3)]
    assert len(drawn) == 1 and _body(pages[0]) == _body(pages[2])


def test_a_catalogue_edit_shows_on_the_portal_home_at_the_next_view(catalogue: Any) -> None:
    client = Client()
    item = catalogue["birth-registration"]
    before = client.get("/portal/").content.decode()
    assert item.name in before
    catalogue_item_update(
        item=item, changes={"effective_to": timezone.localdate() - datetime.timedelta(days=1)}, by=SETUP
    )
    after = client.get("/portal/").content.decode()
    assert f"<h2>{item.name}</h2>" in before and f"<h2>{item.name}</h2>" not in after


def test_each_language_gets_its_own_kept_portal_home(catalogue: Any) -> None:
    chinese = Client().get("/portal/").content.decode()
    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = english.get("/portal/").content.decode()
    assert "网上便民服务大厅" in _body(chinese) and "网上便民服务大厅" not in _body(page)
    assert "Service hall online" in _body(page) and "Service hall online" not in _body(chinese)


def test_the_catalogues_version_is_read_from_one_index_step_however_long_the_trail(catalogue: Any) -> None:
    """Every portal home asks for the last event on a service item. Events written since (every
    transition, sign-in, reading of a file) must not be walked through to find it."""
    import uuid

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jisheng.audit.models import AuditEvent

    # The trail a county has: the catalogue's events far behind thousands of others. Without it the
    # planner's statistics may say most events are the catalogue's (the test database holds little
    # else), and walking the trail backwards by id is then as cheap a plan as the index.
    now = timezone.now()
    AuditEvent.objects.bulk_create(
        AuditEvent(at=now, action="read", object_type="registry.person", object_id=str(n),
                   prev_hash="0" * 64, hash=uuid.uuid4().hex * 2)
        for n in range(3000)
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {AuditEvent._meta.db_table}")
    with CaptureQueriesContext(connection) as captured:
        version = portal_kept.catalogue_version()
    assert version[0] > 0
    (statement,) = [query["sql"] for query in captured.captured_queries]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A test database is tiny, so a sequential scan is cheapest whatever the indexes; priced
            # out, the plan shows whether the index can answer the question at all.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {statement}")
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {statement}")
        plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
    assert "audit_latest_of_object_type" in plan, plan


def test_a_guide_is_drawn_once_and_then_kept(catalogue: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    first = client.get("/portal/items/birth-registration/").content.decode()
    with CaptureQueriesContext(connection) as second_view:
        second = client.get("/portal/items/birth-registration/").content.decode()
    assert catalogue["birth-registration"].name in first and _body(first) == _body(second)
    assert not [query for query in second_view.captured_queries if "hall_serviceitem" in query["sql"]]
    assert "<title>" + catalogue["birth-registration"].name in second


def test_an_offices_new_hours_show_in_every_guide_at_the_next_view(catalogue: Any, tmp_path: Any) -> None:
    import shutil

    from jisheng.audit.models import AuditEvent
    from jisheng.hall import policy
    from jisheng.hall.services import catalogue_load

    client = Client()
    assert "上午8:30" in client.get("/portal/items/birth-registration/").content.decode()
    for name in ("items.toml", "offices.toml", "qa.toml"):
        shutil.copy(policy.POLICY_DIR / name, tmp_path / name)
    offices = (tmp_path / "offices.toml").read_text(encoding="utf-8")
    (tmp_path / "offices.toml").write_text(offices.replace("上午8:30", "上午8:00", 1), encoding="utf-8")

    catalogue_load(by=SETUP, directory=tmp_path)

    page = client.get("/portal/items/birth-registration/").content.decode()
    assert "上午8:00" in _body(page)
    event = AuditEvent.objects.filter(action="hall.office_load").latest("id")
    assert "上午8:00" in str(event.after) and "上午8:30" in str(event.before)


def test_loading_the_same_catalogue_again_audits_no_office(catalogue: Any) -> None:
    from jisheng.audit.models import AuditEvent
    from jisheng.hall.services import catalogue_load

    before = AuditEvent.objects.filter(action__startswith="hall.office").count()
    catalogue_load(by=SETUP)
    assert AuditEvent.objects.filter(action__startswith="hall.office").count() == before > 0


def test_an_unknown_items_guide_is_not_found_and_nothing_is_kept(catalogue: Any) -> None:
    assert Client().get("/portal/items/no-such-item/").status_code == 404
    assert portal_kept._bodies == {}
