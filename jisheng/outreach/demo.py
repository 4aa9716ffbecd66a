"""Demo step: a small year of outreach in 庙湾镇 — supplies received by the county and sent down, visits
with their hand-offs, a pairing, screenings and pre-pregnancy checks, a 5.29 care day with hand-outs, a
care gift waiting for approval, needs and this year's allocation with one project that overspent (so
the audit view has something to show).

Idempotent: a second run finds the visits and creates nothing.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.utils import timezone

from jisheng.accounts.models import User
from jisheng.accounts.roles import RoleCode
from jisheng.areas.models import Area, Level
from jisheng.core.actor import DEMO
from jisheng.registry.models import Household, Person

from . import services
from .models import PrePregnancyCheck, Project, Visit

ORDER = 56  # after the registry (30) and petitions (55), before reporting (60) counts the screenings
DEMO_TOWNSHIP = "411723101000"


def populate(*, persons: int, seed: int, out: Any) -> None:
    township = Area.objects.filter(code=DEMO_TOWNSHIP).first()
    if township is None:
        out.write("走访服务: 未找到庙湾镇，跳过\n")
        return
    if Visit.objects.exists():
        out.write(f"走访服务: 已有 {Visit.objects.count()} 次走访，跳过\n")
        return
    rng = random.Random(seed)
    today = timezone.localdate()
    county = township.parent
    villages = list(Area.objects.filter(parent=township, level=Level.VILLAGE).order_by("code")[:3])
    if not villages or county is None:
        out.write("走访服务: 庙湾镇没有村，跳过\n")
        return

    pill = services.supply_item_define(
        by=DEMO, code="pill", name="口服避孕药", kind="contraceptive", unit="板", minimum=30
    )
    condom = services.supply_item_define(
        by=DEMO, code="condom", name="避孕套", kind="contraceptive", unit="盒", minimum=50
    )
    pack = services.supply_item_define(
        by=DEMO, code="pack", name="宣传品包", kind="publicity", unit="份", minimum=100
    )
    expiry = today + datetime.timedelta(days=500)
    start = today - datetime.timedelta(days=60)
    services.stock_receive(
        by=DEMO, area=county, item=pill, quantity=2000, received_on=start, expires_on=expiry
    )
    services.stock_receive(
        by=DEMO, area=county, item=condom, quantity=3000, received_on=start, expires_on=expiry
    )
    services.stock_receive(by=DEMO, area=county, item=pack, quantity=5000, received_on=start)
    for village in villages:
        for item, n in ((pill, 60), (condom, 80), (pack, 200)):
            services.stock_transfer(
                by=DEMO, from_area=county, to_area=village, item=item, quantity=n, moved_on=start
            )

    campaign = services.campaign_record(
        by=DEMO,
        area=township,
        name="5.29 会员活动日暨关爱母亲义诊",
        kind="care_day",
        starts_on=today - datetime.timedelta(days=20),
        ends_on=today - datetime.timedelta(days=20),
        places="庙湾镇集市、镇计生服务站",
        staff="镇计生办、县妇幼保健院",
        services="免费咨询、两癌筛查宣传、发放药具",
        people_reached=320,
    )
    services.stock_hand_out(
        by=DEMO, area=villages[0], item=pack, quantity=120, moved_on=campaign.starts_on, campaign=campaign
    )

    visits = handoffs = screened = checks = 0
    for village in villages:
        officer = User.objects.filter(area=village, roles__code=RoleCode.VILLAGE_OFFICER).first()
        households = list(Household.objects.filter(area=village).order_by("pk")[:8])
        for household in households:
            asked = rng.choice(["", "", "申请独生子女父母奖励", "危房改造", "孩子入学证明"])
            visited_on = today - datetime.timedelta(days=rng.randint(1, 50))
            services.visit_record(
                by=officer or DEMO,
                household=household,
                visited_on=visited_on,
                met="户主",
                asked=asked,
                promised="一周内答复" if asked else "",
                follow_up_due=visited_on + datetime.timedelta(days=rng.randint(3, 20)) if asked else None,
                visitors=getattr(officer, "full_name", "") or "村专干",
            )
            visits += 1
            handoffs += bool(asked)
        if officer is not None and households:
            pairing = services.pairing_start(
                by=DEMO, cadre=officer, household=households[0], difficulty="因病致困", started_on=start
            )
            services.help_record(
                by=DEMO,
                pairing=pairing,
                given_on=today - datetime.timedelta(days=10),
                description="送米面油、联系县医院复查",
                value="300",
            )
        women = list(
            Person.objects.filter(
                residence_area=village,
                sex="2",
                merged_into__isnull=True,
                birth_date__lte=today - datetime.timedelta(days=35 * 365),
                birth_date__gte=today - datetime.timedelta(days=64 * 365),
            )[:12]
        )
        for index, woman in enumerate(women):
            screening = services.screening_invite(
                by=DEMO,
                woman=woman,
                kind=rng.choice(["cervical", "breast"]),
                invited_on=today - datetime.timedelta(days=30),
            )
            if index % 4:
                result = "abnormal" if index == 5 else "normal"
                services.screening_record(
                    by=DEMO,
                    screening=screening,
                    screened_on=today - datetime.timedelta(days=rng.randint(0, 25)),
                    result=result,
                    referral="县妇幼保健院" if result != "normal" else "",
                )
                screened += 1
            if index < 3:
                services.stock_hand_out(
                    by=DEMO,
                    area=village,
                    item=condom,
                    quantity=2,
                    moved_on=today - datetime.timedelta(days=5),
                    person=woman,
                )
        young = list(
            Person.objects.filter(
                residence_area=village,
                sex="2",
                merged_into__isnull=True,
                birth_date__gte=today - datetime.timedelta(days=32 * 365),
                birth_date__lte=today - datetime.timedelta(days=22 * 365),
            )[:3]
        )
        for index, wife in enumerate(young):
            if PrePregnancyCheck.objects.filter(wife=wife, status=PrePregnancyCheck.Status.BOOKED).exists():
                continue  # booked at the service hall by the hall's demo (its booking hook made the check)
            check = services.prepregnancy_book(
                by=DEMO, wife=wife, booked_on=today - datetime.timedelta(days=15)
            )
            if index:
                services.prepregnancy_done(
                    by=DEMO, check=check, done_on=today - datetime.timedelta(days=7), result="normal"
                )
            checks += 1

    first = Visit.objects.order_by("pk").first()
    if first is not None:
        services.gift_propose(
            by=DEMO, visit=first, occasion="5.29", money="500", goods="米、油", goods_value="150"
        )

    year = today.year
    needs = [
        ("村计生服务室改造", "service_room", "30000", 9, 900),
        ("宣传栏更新", "boards", "8000", 6, 600),
        ("文化大院", "courtyard", "60000", 7, 1500),
    ]
    for village, (title, kind, cost, urgency, people) in zip(villages, needs, strict=False):
        services.need_submit(
            by=DEMO,
            area=village,
            year=year,
            kind=kind,
            title=f"{village.name}{title}",
            cost=cost,
            urgency=urgency,
            people_served=people,
        )
    services.allocation_run(by=DEMO, county=county, year=year, budget="80000")
    project = Project.objects.filter(year=year).order_by("pk").first()
    if project is not None:
        services.project_assign(by=DEMO, project=project, implementer="庙湾镇建筑队")
        services.milestone_add(
            by=DEMO, project=project, title="完成改造", due=today + datetime.timedelta(days=30)
        )
        services.fund_enter(
            by=DEMO,
            project=project,
            kind="spent",
            amount=str(project.allocated + 1200),
            entered_on=today,
            note="材料涨价",
        )
    out.write(
        f"走访服务: {visits} 次走访（{handoffs} 件待部门处理），{screened} 人完成两癌筛查，{checks} 对预约孕前检查，"
        f"{Project.objects.filter(year=year).count()} 个配送项目\n"
    )
