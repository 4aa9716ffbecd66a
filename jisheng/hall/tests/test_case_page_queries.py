"""The clerk's case page: a fixed number of queries however much the case holds, the hand-over list
without duplicates or strangers, and the applicant's registry row left unread."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from jisheng.hall.models import Application

from .conftest import PHONE, upload

# Session, then the user with their roles and area in one statement (every staff page); the case with its item, clerks, certificate and
# office; its files (read once, for the materials and the list); the item's materials; the colleagues
# a case can be handed to; notices; progress; hand-overs.
CASE_PAGE_QUERIES = 9


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


def _queries_of(client: Any, application: Application) -> list[str]:
    with CaptureQueriesContext(connection) as context:
        response = client.get(f"/hall/cases/{application.pk}/")
    assert response.status_code == 200
    return [query["sql"] for query in context.captured_queries]


def test_the_case_page_runs_a_fixed_number_of_queries_however_much_the_case_holds(
    catalogue, areas, resident, staff, client_for, make_user
) -> None:
    from jisheng.hall import services

    clerk = client_for(staff["clerk"])
    application = _case(catalogue, resident, staff["clerk"])
    clerk.get(f"/hall/cases/{application.pk}/")  # the first view loads the working-day calendar
    few = _queries_of(clerk, application)
    assert len(few) == CASE_PAGE_QUERIES, "\n".join(few)

    for n in range(5):
        make_user(areas["township_a"], "counter_clerk", username=f"colleague{n}")
    services.application_handover(
        application=application, to_user=staff["clerk2"], reason="轮岗", by=staff["clerk"]
    )
    services.application_handover(
        application=application, to_user=staff["clerk"], reason="回岗", by=staff["clerk2"]
    )
    services.notice_issue(
        application=application, problems=[{"code": "photo", "problem": "不清晰"}], by=staff["clerk"]
    )
    services.application_resubmit(application=application, received_materials=["photo"], by=staff["clerk"])
    application.refresh_from_db()
    many = _queries_of(clerk, application)
    assert len(many) == CASE_PAGE_QUERIES
    # No DISTINCT over users and roles, and the resident's own row (sealed ID, phone) is not read.
    assert not any("DISTINCT" in sql for sql in many)
    assert not any('FROM "registry_person"' in sql for sql in many)


def test_the_hand_over_list_names_each_counter_colleague_of_the_area_once(
    catalogue, areas, resident, staff, client_for, make_user
) -> None:
    two_roles = make_user(areas["township_a"], "counter_clerk", "township_head", full_name="钱两岗")
    make_user(areas["township_b"], "counter_clerk", full_name="孙邻镇")
    make_user(areas["township_a"], "auditor", full_name="周审计")
    application = _case(catalogue, resident, staff["clerk"])

    page = client_for(staff["clerk"]).get(f"/hall/cases/{application.pk}/").content.decode()

    select = page[page.index('name="to_user"') : page.index("</select>", page.index('name="to_user"'))]
    assert select.count(f'value="{two_roles.pk}"') == 1 and "钱两岗" in select
    assert "李红梅" in select and "赵丽娟" in select and "张建国" in select
    assert "孙邻镇" not in select and "周审计" not in select


def test_the_case_page_still_offers_to_reveal_the_applicants_id_number(
    catalogue, resident, staff, client_for
) -> None:
    application = _case(catalogue, resident, staff["clerk"])

    page = client_for(staff["clerk"]).get(f"/hall/cases/{application.pk}/").content.decode()

    assert f"/registry/persons/{resident.pk}/reveal" in page
    assert resident.id_number not in page and resident.id_number[-4:] in page


def test_a_decided_case_page_links_its_certificate_and_names_its_clerks(
    catalogue, resident, staff, client_for
) -> None:
    from jisheng.hall import services
    from tests.factories import A_RESIDENT

    application = services.application_submit(
        item=catalogue["birth-registration"],
        person=resident,
        channel="online",
        phone=PHONE,
        by=A_RESIDENT,
        uploads=[upload("registration-form")],
    )
    application = services.application_approve(application=application, by=staff["clerk"])
    certificate = application.certificate
    assert certificate is not None
    clerk = client_for(staff["clerk"])
    clerk.get(f"/hall/cases/{application.pk}/")

    queries = _queries_of(clerk, application)
    page = clerk.get(f"/hall/cases/{application.pk}/").content.decode()

    assert len(queries) == CASE_PAGE_QUERIES - 1  # no hand-over form on a decided case
    assert f"/certificates/{certificate.pk}/" in page and certificate.number in page
    assert "李红梅" in page


def test_the_case_page_lists_its_notices_progress_and_hand_overs_by_name_in_order(
    catalogue, resident, staff, client_for
) -> None:
    from jisheng.hall import services
    from jisheng.hall.models import CaseEvent, Notice

    application = _case(catalogue, resident, staff["clerk"])
    services.application_handover(
        application=application, to_user=staff["clerk2"], reason="轮岗", by=staff["clerk"]
    )
    services.application_handover(
        application=application, to_user=staff["clerk"], reason="回岗", by=staff["clerk2"]
    )
    services.notice_issue(
        application=application, problems=[{"code": "photo", "problem": "不清晰"}], by=staff["clerk"]
    )
    page = client_for(staff["clerk"]).get(f"/hall/cases/{application.pk}/").content.decode()
    assert page.index("李红梅 → 赵丽娟: 轮岗") < page.index("赵丽娟 → 李红梅: 回岗")
    notice = Notice.objects.get(application=application)
    assert f'/hall/cases/{application.pk}/notice/{notice.sequence}">{notice.number}</a>' in page
    texts = [event.text for event in CaseEvent.objects.filter(application=application).order_by("at", "id")]
    assert len(texts) >= 3
    place = 0
    for text in texts:  # each found after the one before: the page keeps their order
        place = page.index(text, place) + len(text)
