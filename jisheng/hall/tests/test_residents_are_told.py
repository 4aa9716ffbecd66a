"""Residents are told: a notice, an approval with its certificate and a reply to a rating each queue an SMS
in the event's transaction, shown on the portal's case page; a deadline counted on the provisional
calendar is marked and, when the official calendar is loaded, recomputed with the applicant and the
case's owner told."""

from __future__ import annotations

import datetime
from typing import Any
from unittest import mock

from django.urls import reverse
from django.utils import timezone

from jisheng.hall import services
from jisheng.hall.models import Application
from jisheng.messaging.models import Message, MessageKind, MessageState
from jisheng.messaging.services import messages_send
from jisheng.workdays import services as workdays
from tests.factories import A_RESIDENT

from .conftest import PHONE, upload

D = datetime.date


def on(day: D) -> Any:
    moment = timezone.make_aware(datetime.datetime(day.year, day.month, day.day, 10))
    return mock.patch("django.utils.timezone.now", return_value=moment)


def sms_texts(application: Application) -> list[str]:
    return list(
        Message.objects.filter(subject_id=application.number, kind=MessageKind.SMS).values_list(
            "text", flat=True
        )
    )


def test_notice_approval_with_certificate_and_rating_reply_each_tell_the_resident_on_the_phone_and_the_case_page(
    catalogue, resident, staff, client, settings, tmp_path
) -> None:
    settings.DATA_DIR = tmp_path
    application = services.application_submit(
        item=catalogue["birth-registration"], person=resident, channel="online", phone=PHONE, by=A_RESIDENT
    )
    assert sms_texts(application) == []
    services.notice_issue(
        application=application, problems=[{"code": "registration-form"}], by=staff["clerk"]
    )
    assert "需补正材料：生育登记表" in sms_texts(application)[0]
    services.application_resubmit(
        application=application, uploads=[upload("registration-form")], by=A_RESIDENT
    )
    application = services.application_approve(application=application, by=staff["clerk"])
    assert (
        "生育服务证" in sms_texts(application)[1]
        and application.certificate.number in sms_texts(application)[1]
    )
    rating = services.rating_submit(application=application, level=1, comment="等太久", by=A_RESIDENT)
    services.rating_reply(rating=rating, reply="已整改", by=staff["clerk"])
    assert len(sms_texts(application)) == 3 and "评价已有回复" in sms_texts(application)[2]
    assert set(Message.objects.values_list("phone", flat=True)) == {PHONE}

    assert messages_send() == {"sent": 3, "retry": 0, "failed": 0}
    assert (tmp_path / "sms-outbox.jsonl").read_text(encoding="utf-8").count(application.number) == 3
    client.post(reverse("hall:portal_track"), {"number": application.number, "phone": PHONE})
    page = client.get(reverse("hall:portal_case", args=[application.number])).content.decode()
    assert "需补正材料" in page and "评价已有回复" in page and page.count("短信已发送") == 3


def test_a_deadline_on_the_provisional_calendar_is_marked_and_recomputed_when_the_official_one_is_loaded(
    catalogue, resident, staff, client_for
) -> None:
    with on(D(2026, 12, 30)):
        application = services.application_submit(
            item=catalogue["birth-registration"],
            person=resident,
            channel="online",
            phone=PHONE,
            by=A_RESIDENT,
        )
        # 12-31 is day 1; 01-01 a statutory holiday; 01-04 day 2; 01-05 day 3, on the provisional calendar.
        assert application.due_on == D(2027, 1, 5)
        page = client_for(staff["clerk"]).get(reverse("hall:case", args=[application.pk])).content.decode()
        assert "暂定" in page
        assert "暂定" in client_for(staff["clerk"]).get(reverse("hall:queue")).content.decode()

        workdays.calendar_import_csv(text="2027-01-01,休,元旦\n2027-01-04,休,调休\n", by=staff["clerk"])
    application.refresh_from_db()
    assert application.due_on == D(2027, 1, 6)
    assert application.events.filter(text__contains="由 2027-01-05 调整为 2027-01-06").exists()
    assert any("调整为 2027-01-06" in text for text in sms_texts(application))
    notice = Message.objects.get(kind=MessageKind.STAFF, recipient=staff["clerk"])
    assert notice.state == MessageState.SENT and application.number in notice.text
    home = client_for(staff["clerk"]).get("/").content.decode()
    assert "最新提醒" in home and reverse("hall:case", args=[application.pk]) in home
    page = client_for(staff["clerk"]).get(reverse("hall:case", args=[application.pk])).content.decode()
    assert "暂定" not in page
