"""Demo step: a few people of 庙湾镇 away working in Guangdong and Zhejiang (some with their 四个一
incomplete, some with a 婚育证明), two arrivals from Sichuan, one of them still without a certificate
after 30 days, and a verification request from 东莞市 waiting in the township's queue. Idempotent: a
county that already has people away is left alone."""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.db import transaction
from django.utils import timezone
from stdnum.cn import ric

from jisheng.accounts.models import User
from jisheng.areas.models import Area
from jisheng.core.actor import DEMO
from jisheng.registry.codes import PersonStatus
from jisheng.registry.models import Person

from . import services
from .models import Arrival, Departure

ORDER = 45
TOWNSHIP = "411723101"
DESTINATIONS = ["441900 东莞市", "440300 深圳市", "330100 杭州市", "441900 东莞市", "320500 苏州市"]


def _id_number(birth: datetime.date, serial: int) -> str:
    body = f"510104{birth:%Y%m%d}{serial:03d}"
    return body + ric.calc_check_digit(body + "0")


@transaction.atomic
def populate(*, persons: int, seed: int, out: Any) -> None:
    if Departure.objects.filter(area__code__startswith=TOWNSHIP).exists():
        out.write("流动人口: 演示数据已存在\n")
        return
    clerk = User.objects.filter(username="clerk").first()
    villages = list(
        Area.objects.filter(code__startswith=TOWNSHIP, level=5, valid_to__isnull=True).order_by("code")
    )
    if clerk is None or not villages:
        out.write("流动人口: 缺少演示乡镇或窗口人员, 跳过\n")
        return
    rng = random.Random(seed)
    today = timezone.localdate()
    youngest = today.replace(year=today.year - 40)
    oldest = today.replace(year=today.year - 20)
    candidates = list(
        Person.objects.filter(
            residence_area__code__startswith=TOWNSHIP,
            status=PersonStatus.ALIVE,
            merged_into__isnull=True,
            sex="2",
            birth_date__range=(youngest, oldest),
        ).order_by("pk")[:40]
    )
    rng.shuffle(candidates)
    away = 0
    for index, person in enumerate(candidates[: len(DESTINATIONS)]):
        if index % 2 == 0:
            services.marital_certificate_issue(person=person, by=clerk)
        services.departure_record(
            person=person,
            destination=DESTINATIONS[index],
            left_on=today - datetime.timedelta(days=rng.randint(20, 900)),
            employer=rng.choice(["电子厂", "服装厂", "建筑工地", "餐馆"]),
            contact_phone="13800138000" if index != 1 else "",
            contraception="700" if index % 3 else "",
            agreement_signed=index != 3,
            by=DEMO,
        )
        away += 1
    arrived = 0
    for index, village in enumerate(villages[:2]):
        birth = datetime.date(1994 + index, 3, 8)
        arrival = services.arrival_record(
            village=village,
            id_number=_id_number(birth, 20 + 2 * index),
            name=["邓小琴", "罗春燕"][index],
            origin="510104 成都市锦江区",
            arrived_on=today - datetime.timedelta(days=45 if index == 0 else 10),
            employer="平舆县某食品厂",
            pregnant=index == 1,
            by=DEMO,
        )
        if index == 0:  # the arrival date of the story, not the day the demo ran
            Arrival.objects.filter(pk=arrival.pk).update(arrived_on=today - datetime.timedelta(days=45))
        arrived += 1
    asked = candidates[0] if candidates else None
    if asked is not None:
        services.verification_receive(
            reference=f"XC-441900-{today:%Y%m%d}-DEMO",
            peer_area_code="441900",
            id_number=asked.id_number,
            name=asked.name,
            question="请核实其婚姻状况、现有子女数及避孕节育情况",
            priority="normal",
            sent_on=today - datetime.timedelta(days=3),
            due_on=services.due_on_for("normal", today - datetime.timedelta(days=3)),
            by=DEMO,
        )
    out.write(f"流动人口: 外出 {away} 人, 流入 {arrived} 人, 协查 {1 if asked else 0} 件\n")
