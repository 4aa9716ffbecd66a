"""The clerk's queue as a work list in the browser: the home card's figures are the queue's, a search
finds a case by ID digits, overdue rows stand out, a submitted photo opens in the case page, and a
partial correction keeps the clock stopped."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.browser.test_hall_rules import PASSWORD, PHONE, ensure_roles
from tests.factories import A_RESIDENT, SETUP, make_person


def jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def queue_cases(areas: dict[str, Any], make_user: Any) -> dict[str, Any]:
    from jisheng.hall import services
    from jisheng.hall.models import Application, ServiceItem

    ensure_roles()
    services.catalogue_load(by=SETUP)
    clerk = make_user(areas["township_a"], "counter_clerk", username="clerk", full_name="李红梅")
    clerk2 = make_user(areas["township_a"], "counter_clerk", username="clerk2", full_name="赵丽娟")
    services.post_create(
        office=areas["township_a"], name="综合受理岗", holder_a=clerk, holder_b=clerk2, by=SETUP
    )
    item = ServiceItem.objects.get(code="migrant-marital-certificate")
    cases = []
    for name, number in (("刘桂芝", "411723199005052228"), ("陈玉兰", "411723198811110025")):
        person = make_person(
            name=name,
            id_number=number,
            sex="2",
            birth=datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
            area=areas["village_a"],
            phone=PHONE,
            residence=False,
        )
        cases.append(
            services.application_submit(
                item=item,
                person=person,
                channel="online",
                phone=PHONE,
                by=A_RESIDENT,
                uploads=[services.Upload(material_code="photo", name="照片.jpg", content=jpeg())],
            )
        )
    Application.objects.filter(pk=cases[0].pk).update(
        due_on=timezone.localdate() - datetime.timedelta(days=2)
    )
    return {"clerk": clerk, "late": cases[0], "other": cases[1]}


@pytest.mark.django_db(transaction=True)
def test_a_clerk_works_the_queue_and_sees_the_materials(page: Any, queue_cases: dict[str, Any]) -> None:
    late, other = queue_cases["late"], queue_cases["other"]
    login(page, "clerk", PASSWORD)
    page.goto("/")
    card = page.locator("a.card[href='/hall/']", has_text="我的在办案件")
    assert card.locator(".big").inner_text() == "2"
    assert "1 件已超期" in card.inner_text()
    card.click()
    assert page.locator("#queue-counts [data-count=overdue]").inner_text() == "1"
    assert page.locator("tr.overdue", has_text=late.number).count() == 2  # in "mine" and in "all"
    page.fill("#q", "0025")
    page.click("#queue-filter button[type=submit]")
    assert page.locator("text=" + other.number).count() == 2
    assert page.locator("text=" + late.number).count() == 0

    page.click(f"text={other.number} >> nth=0")
    page.click("summary:has-text('查看照片')")
    # The photo loads lazily once the box opens: wait until it has loaded (it is 40 pixels wide).
    expect(page.locator(".case-file img")).to_have_js_property("naturalWidth", 40)

    page.check("input[name=problem][value=photo]")
    page.check("input[name=problem][value=marriage-certificate]")
    page.click("#issue-notice")
    page.check("form[action$='/resubmit'] input[value=photo]")
    page.click("form[action$='/resubmit'] button[type=submit]")
    # The click returns once the next page has begun to arrive: these wait until it shows.
    expect(page.locator("body")).to_contain_text("仍缺：结婚证")
    expect(page.locator("#case-status")).to_have_text("等待申请人补正材料")
    expect(page.locator("form[action$='/resubmit'] input[name=received]")).to_have_count(1)
