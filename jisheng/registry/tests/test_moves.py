"""The village officer records moves out of the village (to anywhere, picked from the area list or typed)
and into it, scoped and audited, and the residence history shows them; the home page offers the
officer's daily actions and searches pick villages from a list."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from jisheng.audit.models import AuditEvent
from jisheng.registry.codes import PersonStatus
from jisheng.registry.models import Person
from tests.factories import make_id, make_person

DAY = datetime.date(2026, 3, 2)


@pytest.fixture
def officer(areas, make_user):
    return make_user(areas["village_a"], "village_officer", username="village")


@pytest.fixture
def wang(areas):
    person = make_person(area=areas["village_a"], name="王秀英", sex="2", birth=datetime.date(1990, 5, 1))
    return person


def test_a_move_to_a_village_of_another_township_picked_from_the_list_moves_the_record(
    areas, officer, wang, client_for
) -> None:
    client = client_for(officer)
    options = client.get(reverse("registry:area_options"), {"destination": "张营"}).content.decode()
    picked = f"{areas['village_b'].code} {areas['village_b'].full_name()}"
    assert f'value="{picked}"' in options
    response = client.post(
        reverse("registry:person_move_out", args=[wang.pk]), {"destination": picked, "date": DAY.isoformat()}
    )
    assert response.status_code == 302 and response["Location"] == reverse("registry:search")
    wang.refresh_from_db()
    assert wang.residence_area == areas["village_b"] and wang.status == PersonStatus.ALIVE
    assert client.get(reverse("registry:person", args=[wang.pk])).status_code == 404  # no longer hers
    assert AuditEvent.objects.filter(action="registry.person_move", object_id=str(wang.pk)).exists()


def test_a_move_to_another_province_typed_in_full_marks_the_person_moved_out_with_the_destination(
    areas, officer, wang, client_for
) -> None:
    client = client_for(officer)
    client.post(
        reverse("registry:person_move_out", args=[wang.pk]),
        {"destination": "浙江省杭州市西湖区", "date": DAY.isoformat(), "note": "务工"},
    )
    wang.refresh_from_db()
    assert wang.status == PersonStatus.MOVED_OUT and wang.residence_area == areas["village_a"]
    periods = list(wang.residence_periods.order_by("start_date"))
    assert periods[0].end_date == DAY and "迁往 浙江省杭州市西湖区" in periods[-1].note
    page = client.get(reverse("registry:person", args=[wang.pk])).content.decode()
    assert "迁往 浙江省杭州市西湖区" in page and "王庄村" in page.split("居住历史")[1].split("</div>")[0]
    event = AuditEvent.objects.get(action="registry.person_move_out")
    assert event.after["to"] == "浙江省杭州市西湖区" and event.reason == "务工"


def test_a_move_to_a_county_by_its_code_keeps_the_code_in_the_history(
    areas, officer, wang, client_for
) -> None:
    client_for(officer).post(
        reverse("registry:person_move_out", args=[wang.pk]),
        {"destination": "330106 杭州市西湖区", "date": DAY.isoformat()},
    )
    wang.refresh_from_db()
    last = wang.residence_periods.order_by("start_date").last()
    assert wang.status == PersonStatus.MOVED_OUT
    assert last.area_code == "330106000000" and "杭州市西湖区" in last.note


def test_a_move_out_with_a_bad_code_or_a_future_date_is_refused_with_the_values_kept(
    areas, officer, wang, client_for
) -> None:
    client = client_for(officer)
    url = reverse("registry:person_move_out", args=[wang.pk])
    page = client.post(url, {"destination": "12345 某地", "date": DAY.isoformat()}).content.decode()
    assert "迁往地" in page and "12345 某地" in page
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    page = client.post(url, {"destination": "浙江省", "date": tomorrow.isoformat()}).content.decode()
    assert "不能晚于今天" in page and "浙江省" in page
    wang.refresh_from_db()
    assert wang.status == PersonStatus.ALIVE and wang.residence_periods.count() == 1


def test_an_officer_cannot_move_out_a_person_of_another_village(areas, make_user, wang, client_for) -> None:
    other = make_user(areas["village_b"], "village_officer", username="village-b")
    response = client_for(other).post(
        reverse("registry:person_move_out", args=[wang.pk]),
        {"destination": "浙江省", "date": DAY.isoformat()},
    )
    assert response.status_code == 404
    wang.refresh_from_db()
    assert wang.status == PersonStatus.ALIVE


def test_a_move_in_of_a_person_from_another_township_keeps_one_record_and_its_history(
    areas, officer, client_for
) -> None:
    li = make_person(area=areas["village_b"], name="李娜", sex="2", birth=datetime.date(1995, 2, 3))
    client = client_for(officer)
    form = client.get(reverse("registry:move_in")).content.decode()
    assert 'name="village"' in form and f'value="{datetime.date.today().isoformat()}"' in form
    wrong = client.post(
        reverse("registry:move_in"),
        {
            "village": areas["village_a"].code,
            "id_number": li.id_number,
            "name": "李四",
            "date": DAY.isoformat(),
        },
    )
    assert "姓名不一致" in wrong.content.decode()
    response = client.post(
        reverse("registry:move_in"),
        {"village": areas["village_a"].code, "id_number": li.id_number.lower(), "date": DAY.isoformat()},
    )
    assert response.status_code == 302
    li.refresh_from_db()
    assert li.residence_area == areas["village_a"] and Person.objects.count() == 1
    history = client.get(reverse("registry:person", args=[li.pk])).content.decode()
    assert "张营村" in history and "迁自" in history
    assert AuditEvent.objects.filter(action="registry.person_move_in", object_id=str(li.pk)).exists()


def test_a_move_in_of_someone_new_registers_them_with_where_they_came_from(
    areas, officer, client_for
) -> None:
    number = make_id(datetime.date(1992, 7, 8), "1")
    client = client_for(officer)
    nameless = client.post(
        reverse("registry:move_in"),
        {
            "village": areas["village_a"].code,
            "id_number": number,
            "date": DAY.isoformat(),
            "origin": "安徽省阜阳市",
        },
    ).content.decode()
    assert "须填写姓名" in nameless and "安徽省阜阳市" in nameless
    client.post(
        reverse("registry:move_in"),
        {
            "village": areas["village_a"].code,
            "id_number": number,
            "name": "赵强",
            "phone": "13900139000",
            "origin": "安徽省阜阳市",
            "date": DAY.isoformat(),
        },
    )
    person = Person.objects.get(id_number=number)
    period = person.residence_periods.get()
    assert person.residence_area == areas["village_a"] and period.start_date == DAY
    assert "迁自 安徽省阜阳市" in period.note


def test_an_officer_cannot_move_someone_into_a_village_outside_the_area(areas, officer, client_for) -> None:
    number = make_id(datetime.date(1992, 7, 8), "1")
    response = client_for(officer).post(
        reverse("registry:move_in"),
        {"village": areas["village_b"].code, "id_number": number, "name": "赵强", "date": DAY.isoformat()},
    )
    assert response.status_code == 200 and not Person.objects.exists()


def test_the_home_page_offers_the_officers_daily_actions(officer, client_for) -> None:
    page = client_for(officer).get(reverse("home")).content.decode()
    actions = page.split('id="home-actions"')[1].split("</div>")[0]
    for label, url in (
        ("登记出生", "/registry/pick/birth/"),
        ("登记婚姻", "/registry/pick/marriage/"),
        ("登记迁入", "/registry/move-in/"),
        ("代办", "/hall/#new"),
    ):
        assert label in actions and url in actions


def test_picking_the_mother_leads_to_the_birth_form(areas, officer, wang, client_for) -> None:
    make_person(area=areas["village_a"], name="王建国", sex="1", birth=datetime.date(1988, 1, 1))
    page = (
        client_for(officer).get(reverse("registry:pick_person", args=["birth"]), {"q": "王"}).content.decode()
    )
    assert f"/registry/persons/{wang.pk}/record/birth/" in page and "王建国" not in page


def test_the_search_picks_villages_from_a_list_of_the_users_villages(areas, make_user, client_for) -> None:
    clerk = make_user(areas["township_a"], "counter_clerk")
    page = client_for(clerk).get(reverse("registry:search")).content.decode()
    select = page.split('id="area" name="area">')[1].split("</select>")[0]
    assert "王庄村" in select and "李楼村" in select and "张营村" not in select
