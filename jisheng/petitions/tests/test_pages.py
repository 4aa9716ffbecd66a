"""The staff pages and the portal: a matter's steps through its page, the lists' query counts, the
resident's side (file, follow, rate, review), rate limits and checked uploads."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from jisheng.audit.models import AuditEvent
from jisheng.petitions import services
from jisheng.petitions.models import Attachment, LedgerItem, Matter, MatterStatus
from jisheng.petitions.services import NewItem

from .conftest import PNG, D, receive


def test_the_matter_page_takes_each_step_and_serves_the_notice_and_a_visit_photo(
    areas, staff, petitioner, client_for
) -> None:
    matter = receive(petitioner, areas["township_a"], staff["clerk"])
    client = client_for(staff["clerk"])
    url = reverse("petitions:matter", args=[matter.pk])
    assert "独生子女父母奖励未发放" in client.get(url).content.decode()
    client.post(reverse("petitions:step", args=[matter.pk, "accept"]))
    assert Matter.objects.get(pk=matter.pk).status == MatterStatus.ACCEPTED
    pdf = client.get(reverse("petitions:acceptance_pdf", args=[matter.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    from io import BytesIO

    photo = BytesIO(PNG)
    photo.name = "visit.png"
    fake = BytesIO(b"MZ not an image")
    fake.name = "evil.png"
    client.post(
        reverse("petitions:visit", args=[matter.pk]),
        {"held_on": "2026-01-05", "attendees": "张建国、李红梅", "said": "解释政策", "photos": [fake]},
    )
    assert not matter.meetings.exists()  # a file that is not an image or a PDF refuses the whole visit
    client.post(
        reverse("petitions:visit", args=[matter.pk]),
        {"held_on": "2026-01-05", "attendees": "张建国、李红梅", "said": "解释政策", "photos": [photo]},
    )
    meeting = matter.meetings.get()
    shot = Attachment.objects.get(meeting=meeting)
    assert client.get(reverse("petitions:attachment", args=[matter.pk, shot.pk])).content == PNG
    client.post(
        reverse("petitions:step", args=[matter.pk, "reply"]),
        {"opinion": "explain", "legal_basis": "《信访工作条例》", "reply": "已解释"},
    )
    assert Matter.objects.get(pk=matter.pk).status == MatterStatus.REPLIED
    # Staff of the sibling township see nothing of it.
    assert client_for(staff["other"]).get(url).status_code == 404


def test_the_list_pages_run_a_fixed_number_of_queries_whatever_the_rows(
    areas, staff, petitioner, client_for, django_assert_max_num_queries
) -> None:
    client = client_for(staff["clerk"])

    def fill(n: int) -> None:
        for i in range(n):
            m = receive(petitioner, areas["township_a"], staff["clerk"], title=f"事项{i}")
            services.ledger_item_create(
                area=areas["township_a"],
                item=NewItem(
                    title=f"整改{i}", responsible=staff["clerk"], office="办公室", deadline=D(2099, 1, 1)
                ),
                source="petition",
                matter=m,
                by=staff["clerk"],
            )

    fill(2)
    counts = {}
    for name in ("petitions:home", "petitions:ledger", "petitions:figures", "petitions:risk"):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse(name)).status_code == 200
        counts[name] = len(ctx.captured_queries)
    fill(5)
    for name, count in counts.items():
        with django_assert_max_num_queries(count):
            client.get(reverse(name))


def _portal_file(client: Client, areas: Any, **extra: Any) -> Any:
    data = {
        "kind": "petition",
        "area": areas["township_a"].code,
        "field": "birth_permission",
        "name": "王秀英",
        "phone": "138 0013 8000",
        "title": "生育登记未办结",
        "facts": "网上申请生育登记超过期限未办结。",
    }
    data.update(extra)
    return client.post(reverse("petitions:portal_new"), data)


def test_a_resident_files_on_the_portal_follows_it_rates_the_reply_and_asks_for_a_review(
    areas, staff
) -> None:
    client = Client()
    response = _portal_file(client, areas)
    matter = Matter.objects.get()
    assert response.status_code == 302 and matter.channel == "online" and matter.access_code
    assert matter.responsible == staff["head"]  # the office's head answers for it until someone takes it
    page = client.get(reverse("petitions:portal_matter", args=[matter.number])).content.decode()
    assert matter.number in page and matter.access_code in page
    stranger = Client()
    assert stranger.get(reverse("petitions:portal_matter", args=[matter.number])).status_code == 404
    stranger.post(reverse("petitions:portal_track"), {"number": matter.number, "secret": "13800138000"})
    assert stranger.get(reverse("petitions:portal_matter", args=[matter.number])).status_code == 200
    services.matter_accept(matter=matter, by=staff["clerk"])
    services.matter_reply(
        matter=matter, opinion="support", legal_basis="", reply="已办结生育登记", by=staff["clerk"]
    )
    assert (
        client.get(reverse("petitions:portal_document", args=[matter.number, "reply"])).content[:4] == b"%PDF"
    )
    client.post(
        reverse("petitions:portal_act", args=[matter.number, "rate"]), {"satisfaction": "dissatisfied"}
    )
    client.post(reverse("petitions:portal_act", args=[matter.number, "review"]), {"reason": "办理太慢"})
    matter.refresh_from_db()
    assert matter.satisfaction == "dissatisfied" and matter.status == MatterStatus.REVIEW_REQUESTED
    event = AuditEvent.objects.filter(action="petitions.review_request").get()
    assert event.actor_username == f"resident:{matter.number}"


def test_an_anonymous_suggestion_is_taken_but_an_anonymous_petition_is_refused(areas, staff) -> None:
    client = Client()
    response = _portal_file(client, areas, name="", phone="")
    assert response.status_code == 200 and not Matter.objects.exists()
    _portal_file(client, areas, name="", phone="", kind="suggestion", title="建议延长大厅开放时间")
    suggestion = Matter.objects.get()
    assert suggestion.file.kind == "anonymous" and suggestion.kind == "suggestion"


def test_the_portal_form_is_rate_limited(areas, staff) -> None:
    client = Client()
    for i in range(5):
        _portal_file(client, areas, title=f"事项{i}")
    _portal_file(client, areas, title="第六件")
    assert Matter.objects.count() == 5


@pytest.mark.parametrize(
    "name", ["petitions:home", "petitions:ledger", "petitions:outings", "petitions:surveys"]
)
def test_a_resident_or_a_stranger_cannot_open_staff_pages(name, areas) -> None:
    response = Client().get(reverse(name))
    assert response.status_code in (302, 403)


def test_the_ledger_export_asks_for_a_reason_and_records_the_disclosure(areas, staff, client_for) -> None:
    services.ledger_item_create(
        area=areas["township_a"],
        item=NewItem(title="整改", responsible=staff["clerk"], office="办公室", deadline=D(2099, 1, 1)),
        source="survey",
        by=staff["head"],
    )
    client = client_for(staff["head"])
    assert client.post(reverse("petitions:ledger_export"), {"reason": ""}).status_code == 302
    response = client.post(reverse("petitions:ledger_export"), {"reason": "季度督查"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditEvent.objects.filter(action="disclosure.petitions_ledger").count() == 1
    assert LedgerItem.objects.count() == 1


def test_a_clerk_records_a_matter_and_an_outing_with_its_suggestions_through_the_forms(
    areas, staff, client_for
) -> None:
    client = client_for(staff["clerk"])
    response = client.post(
        reverse("petitions:new"),
        {
            "petitioner": "group",
            "name": "王庄村计生户",
            "phone": "13800138000",
            "representatives": "王一，王二",
            "kind": "petition",
            "channel": "visit",
            "field": "sanjiehe",
            "risk": "medium",
            "title": "三结合帮扶资金",
            "facts": "要求落实帮扶资金。",
        },
    )
    matter = Matter.objects.get()
    assert response.status_code == 302 and matter.file.representatives == ["王一", "王二"]
    head = client_for(staff["head"])
    head.post(
        reverse("petitions:outings"),
        {
            "held_on": "2026-01-05",
            "title": "徒步调研",
            "groups": "2",
            "walkers": "张建国",
            "route": "王庄村",
            "items": "路灯不亮 | clerk | 办公室 | 2099-01-01\n宣传栏破损 | head | 宣传 | 2099-02-01",
        },
    )
    assert list(LedgerItem.objects.values_list("title", flat=True)) == ["路灯不亮", "宣传栏破损"]
    head.post(
        reverse("petitions:outings"),
        {"held_on": "2026-01-05", "title": "x", "walkers": "x", "route": "x", "items": "只有一列"},
    )
    assert LedgerItem.objects.count() == 2
