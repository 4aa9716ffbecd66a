"""Demo step: the catalogue, the A/B post of 庙湾镇 (clerk = A, clerk2 = B) and a few cases in various states."""

from __future__ import annotations

import random
from typing import Any

from django.db import transaction

from jisheng.accounts.models import User
from jisheng.areas.models import Area
from jisheng.core.actor import DEMO

from . import services
from .models import Application, Post, ServiceItem

ORDER = 40
TOWNSHIP = "411723101000"


@transaction.atomic
def populate(*, persons: int, seed: int, out: Any) -> None:
    result = services.catalogue_load(by=DEMO)
    out.write(f"服务事项目录: 更新 {result['items']} 项, 政策问答 {result['questions']} 条\n")
    township = Area.objects.filter(code=TOWNSHIP).first()
    clerk = User.objects.filter(username="clerk").first()
    clerk2 = User.objects.filter(username="clerk2").first()
    if township is None or clerk is None or clerk2 is None:
        out.write("便民服务大厅: 缺少演示乡镇或窗口人员, 跳过\n")
        return
    if not Post.objects.filter(office=township).exists():
        services.post_create(office=township, name="综合受理岗", holder_a=clerk, holder_b=clerk2, by=DEMO)
    if Application.objects.filter(office=township).exists():
        out.write("便民服务大厅: 演示申请已存在\n")
        return
    from jisheng.registry.models import Person

    people = list(Person.objects.filter(residence_area__code__startswith=TOWNSHIP[:9]).exclude(phone="")[:12])
    rng = random.Random(seed)
    items = {item.code: item for item in ServiceItem.objects.all()}
    made = 0
    for index, person in enumerate(people):
        code = rng.choice(["birth-registration", "migrant-marital-certificate", "pre-pregnancy-check"])
        online = index % 3 == 0
        application = services.application_submit(
            item=items[code],
            person=person,
            channel="online" if online else "counter",
            phone=person.phone or "13800000000",
            by=DEMO if online else clerk,
            received_materials=[] if online or index % 2 else [m.code for m in items[code].materials.all()],
        )
        made += 1
        missing = services.missing_materials(application)
        if missing and index % 4 == 1:
            problems = [{"code": m["code"], "problem": "缺少"} for m in missing]
            services.notice_issue(application=application, problems=problems, by=clerk)
        elif not missing:
            services.application_approve(application=application, by=clerk)
    out.write(f"便民服务大厅: 新增演示申请 {made} 件\n")
