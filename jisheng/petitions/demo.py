"""Demo step: a few matters of 庙湾镇 in different states (one answered and under review at the county),
a walk-around outing of the county with its suggestions on the ledger, a survey with returned forms, a
risk assessment."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from jisheng.accounts.models import User
from jisheng.areas.models import Area
from jisheng.core.actor import Resident

from . import services
from .models import Matter

ORDER = 55  # after the hall (40) and benefits (50), before reporting (60)
TOWNSHIP = "411723101000"
COUNTY = "411723000000"

MATTERS = [
    (
        "王秀英",
        "13800138001",
        "benefits",
        "独生子女父母奖励扶助金未到账",
        "2025年度奖励扶助金至今未到账，要求补发。",
    ),
    (
        "李桂兰",
        "13800138002",
        "complications",
        "节育手术并发症鉴定",
        "2019年放环后长期腹痛，要求进行并发症鉴定并给予治疗补助。",
    ),
    ("张国强", "13800138003", "birth_permission", "生育登记办理慢", "网上申请生育登记十多天未办结。"),
    ("赵丽", "13800138004", "sanjiehe", "三结合帮扶项目资金", "申请三结合帮扶资金未获答复。"),
]
SUGGESTIONS = [
    ("服务手册网上办理系统操作不便，老年人不会用", "办公室"),
    ("不能到大厅的群众希望上门办理", "服务大厅"),
    ("村计生专干联系电话不公开", "基层指导科"),
    ("宣传材料看不懂，希望用方言讲解", "宣传科"),
    ("奖励扶助金发放时间不固定", "财务科"),
]


@transaction.atomic
def populate(*, persons: int, seed: int, out: Any) -> None:
    township = Area.objects.filter(code=TOWNSHIP).first()
    county = Area.objects.filter(code=COUNTY).first()
    users = {
        u.username: u for u in User.objects.filter(username__in=["clerk", "township", "county", "county2"])
    }
    if township is None or county is None or len(users) < 4:
        out.write("信访: 缺少演示乡镇或工作人员, 跳过\n")
        return
    if Matter.objects.filter(area=township).exists():
        out.write("信访: 演示事项已存在\n")
        return
    clerk, head, county_staff = users["clerk"], users["township"], users["county"]
    today = timezone.localdate()
    made = []
    for index, (name, phone, field, title, facts) in enumerate(MATTERS):
        file = services.file_open(area=township, kind="person", name=name, phone=phone, by=clerk)
        matter = services.matter_receive(
            file=file,
            area=township,
            kind="petition",
            channel=["visit", "letter", "online", "phone"][index],
            field=field,
            title=title,
            facts=facts,
            risk="medium" if field == "complications" else "low",
            received_on=today - datetime.timedelta(days=20 - index * 5),
            by=clerk,
        )
        made.append(matter)
        if index < 3:
            services.matter_accept(matter=matter, by=clerk)
            services.meeting_record(
                matter=matter,
                held_on=today,
                attendees="张建国、李红梅",
                place=f"{name}家中",
                said="上门了解情况，解释相关政策。",
                by=clerk,
            )
    services.matter_reply(
        matter=made[0],
        opinion="explain",
        legal_basis="《河南省人口与计划生育条例》",
        reply="经核实，资金已于本月拨付至乡镇，将在10个工作日内发放到您的账户。",
        by=clerk,
    )
    services.review_request(matter=made[0], reason="希望尽快到账", by=Resident(reference=made[0].number))
    outing = services.outing_record(
        area=county,
        held_on=today,
        title="用脚步丈量民情、用真心听取民意徒步调研",
        groups=8,
        walkers="县卫健委领导班子成员带队，机关干部8个调研组",
        route="庙湾镇、射桥镇部分村居",
        heard="征求对人口计生工作及干部作风的意见建议",
        by=county_staff,
    )
    services.outing_suggestions_to_ledger(
        outing=outing,
        items=[
            services.NewItem(
                title=text,
                responsible=[county_staff, head, clerk][i % 3],
                office=office,
                deadline=today + datetime.timedelta(days=30 + i),
            )
            for i, (text, office) in enumerate(SUGGESTIONS)
        ],
        by=county_staff,
    )
    survey = services.survey_create(
        area=county,
        title="人口计生工作征求意见表",
        recipients="各乡镇服务对象",
        sent_count=320,
        questions=[
            ("您对计划生育服务是否满意？", ["满意", "基本满意", "不满意"]),
            ("您是否了解奖励扶助政策？", ["了解", "不了解"]),
        ],
        by=county_staff,
    )
    for i in range(12):
        services.survey_answer(survey=survey, answers={1: i % 3 if i % 4 else 0, 2: i % 2}, by=county_staff)
    services.risk_assess(
        area=township,
        project="调整奖励扶助金发放方式",
        grade="medium",
        findings="部分老年群众不会使用银行卡，可能引发不满，需先做好宣传和代办。",
        by=head,
    )
    out.write(f"信访: 演示事项 {len(made)} 件, 整改台账 {len(SUGGESTIONS)} 项, 问卷 1 份\n")
