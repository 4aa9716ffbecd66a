"""Telling the applicant (an SMS, also shown on the portal's case page) and the case's owner.

Called inside the service's transaction: the message is queued exactly when the event commits.
"""

from __future__ import annotations

import datetime

from django.urls import reverse

from jisheng.core.actor import Actor
from jisheng.messaging.services import message_enqueue

from ..models import Application

SUBJECT = "hall.application"


def tell_applicant(application: Application, text: str, *, by: Actor) -> None:
    message_enqueue(
        subject_type=SUBJECT,
        subject_id=application.number,
        area=application.area,
        phone=application.applicant_phone,
        text=f"【计生服务】{text}",
        by=by,
    )


def notice_issued(application: Application, names: list[str], *, by: Actor) -> None:
    tell_applicant(
        application,
        f"您的申请 {application.number} 需补正材料：{'、'.join(names)}。请在线或到窗口补交，办理时限暂停计算。",
        by=by,
    )


def approved(application: Application, *, by: Actor) -> None:
    text = f"您的申请 {application.number}（{application.item.name}）已办结，予以办理。"
    if application.certificate is not None:
        text += f"{application.certificate.kind}（编号 {application.certificate.number}）已制发，可在线下载或到窗口领取。"
    tell_applicant(application, text, by=by)


def rating_answered(application: Application, *, by: Actor) -> None:
    tell_applicant(
        application, f"您对申请 {application.number} 的评价已有回复，请在办件查询页面查看。", by=by
    )


def deadline_changed(application: Application, old: datetime.date, new: datetime.date, *, by: Actor) -> None:
    text = (
        f"国务院办公厅节假日安排已导入，申请 {application.number} 的办结时限由 {old:%Y-%m-%d} "
        f"调整为 {new:%Y-%m-%d}。"
    )
    tell_applicant(application, text, by=by)
    if application.owner_id is not None:
        message_enqueue(
            subject_type=SUBJECT,
            subject_id=application.number,
            area=application.area,
            recipient=application.owner,
            link=reverse("hall:case", args=[application.pk]),
            text=text,
            by=by,
        )
