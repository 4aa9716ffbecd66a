"""The clerk's case page reads its case and hand-over list by statements compiled once per scope and
kept (``views._visible_case``, ``views._colleagues``): each scope keeps its own, a clerk never sees a
case outside their area however the statements were filled, and every change shows at the next view."""

from __future__ import annotations

import datetime
import re
from typing import Any

from jisheng.hall.models import Application

from .conftest import PHONE, upload


def _case(catalogue: Any, resident: Any, by: Any) -> Application:
    from jisheng.hall import services

    return services.application_submit(
        item=catalogue["migrant-marital-certificate"],
        person=resident,
        channel="counter",
        phone=PHONE,
        by=by,
        uploads=[upload("photo")],
    )


def test_a_clerk_of_another_township_never_sees_a_case_its_own_township_has_just_viewed(
    catalogue, areas, resident, staff, client_for, make_user
) -> None:
    application = _case(catalogue, resident, staff["clerk"])
    neighbour = client_for(make_user(areas["township_b"], "counter_clerk", username="neighbour"))
    own = client_for(staff["clerk"])

    assert own.get(f"/hall/cases/{application.pk}/").status_code == 200
    assert neighbour.get(f"/hall/cases/{application.pk}/").status_code == 404
    # And the other way round: the neighbour's statement kept first does not open the case to them,
    # nor close it to its own township.
    assert neighbour.get(f"/hall/cases/{application.pk}/").status_code == 404
    assert own.get(f"/hall/cases/{application.pk}/").status_code == 200
    assert neighbour.get("/hall/cases/999999999/").status_code == 404


def test_the_hand_over_list_of_a_township_never_names_another_townships_clerks(
    catalogue, areas, resident, make_user, staff, client_for
) -> None:
    from jisheng.registry.models import Person
    from tests.factories import make_id

    from .conftest import make_person

    make_user(areas["township_b"], "counter_clerk", full_name="孙邻镇")
    neighbour = make_user(areas["township_b"], "counter_clerk", username="neighbour", full_name="吴邻镇")
    theirs = _case(
        catalogue,
        make_person(areas["village_b"], "周小兰", make_id(datetime.date(1990, 6, 1), "2")),
        neighbour,
    )
    ours = _case(catalogue, resident, staff["clerk"])
    assert Person.objects.count() == 2

    their_page = client_for(neighbour).get(f"/hall/cases/{theirs.pk}/").content.decode()
    our_page = client_for(staff["clerk"]).get(f"/hall/cases/{ours.pk}/").content.decode()

    assert "孙邻镇" in their_page and "李红梅" not in their_page
    assert "李红梅" in our_page and "赵丽娟" in our_page and "孙邻镇" not in our_page


def test_a_hand_over_a_notice_and_a_new_colleague_show_at_the_next_view(
    catalogue, areas, resident, staff, client_for, make_user
) -> None:
    from jisheng.hall import services

    application = _case(catalogue, resident, staff["clerk"])
    clerk = client_for(staff["clerk"])
    first = clerk.get(f"/hall/cases/{application.pk}/").content.decode()
    assert "钱新来" not in first

    make_user(areas["township_a"], "counter_clerk", full_name="钱新来")
    second = clerk.get(f"/hall/cases/{application.pk}/").content.decode()
    assert "钱新来" in second

    services.application_handover(
        application=application, to_user=staff["clerk2"], reason="轮岗", by=staff["clerk"]
    )
    services.notice_issue(
        application=application, problems=[{"code": "photo", "problem": "不清晰"}], by=staff["clerk2"]
    )
    third = client_for(staff["clerk2"]).get(f"/hall/cases/{application.pk}/").content.decode()
    # The first receiver's row, then the responsible clerk's, now the colleague the case went to.
    assert re.search(r"<td>李红梅</td></tr>\s*<tr><th>[^<]+</th><td>赵丽娟</td>", third)
    assert _status(third) != _status(second)


def _status(page: str) -> str:
    start = page.index('id="case-status">') + len('id="case-status">')
    return page[start : page.index("<", start)]


def test_on_postgresql_the_case_page_and_the_portal_read_by_prepared_statements_each_case_its_own(
    catalogue, areas, resident, staff, client_for, make_user
) -> None:
    """The reads by a case's id (its plan the same for every case) and the catalogue's version are
    prepared once a connection; each view still shows its own case, and a neighbour still gets none."""
    import pytest
    from django.db import connection

    from jisheng.registry.models import Person
    from tests.factories import make_id

    from .conftest import make_person

    if connection.vendor != "postgresql":
        pytest.skip("statements are prepared on PostgreSQL only")
    second = make_person(areas["village_a"], "周小兰", make_id(datetime.date(1990, 6, 1), "2"))
    assert isinstance(second, Person)
    first, other = _case(catalogue, resident, staff["clerk"]), _case(catalogue, second, staff["clerk"])
    own = client_for(staff["clerk"])
    neighbour = client_for(make_user(areas["township_b"], "counter_clerk", username="neighbour"))
    for _view in range(3):
        for case in (first, other):
            page = own.get(f"/hall/cases/{case.pk}/").content.decode()
            assert case.number in page and ({first.number, other.number} - {case.number}).pop() not in page
        assert neighbour.get(f"/hall/cases/{first.pk}/").status_code == 404
        assert own.get("/portal/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
        runs = dict(cursor.fetchall())
    case_reads = [n for sql, n in runs.items() if sql.lstrip().startswith('SELECT "hall_application"."id"')]
    assert case_reads and max(case_reads) >= 6, runs
    assert any("hall_casefile" in sql or "hall_notice" in sql or "hall_caseevent" in sql for sql in runs), (
        runs
    )
    assert any("object_type" in sql for sql in runs), runs
