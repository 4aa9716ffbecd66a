"""Outreach objects in a village, for the scoping harness: a visit with its hand-off, a pairing, a
screening, a pre-pregnancy check, a referral, stock and a hand-out, a campaign, a care gift, a need,
a project with an inspection and fund entries."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Model

from jisheng.core.actor import DEMO
from jisheng.outreach import services
from jisheng.outreach.models import Project

from . import factories


def make_objects(*, area: Any, marker: str) -> list[Model]:
    from jisheng.accounts.models import User
    from jisheng.accounts.services import roles_for

    today = datetime.date.today()
    cadre = User.objects.create_user(
        username=f"outreach-{area.code}", password="x", area=area, full_name=marker
    )
    cadre.roles.set(roles_for(["village_officer"]))
    household = factories.household(area, number=f"OR{area.code}")
    woman = factories.person(area, name="林" + marker[:3], household=household)
    visit = services.visit_record(
        by=DEMO,
        household=household,
        visited_on=today,
        met=marker,
        asked=marker,
        promised="",
        follow_up_due=None,
        visitors=marker,
    )
    pairing = services.pairing_start(
        by=DEMO, cadre=cadre, household=household, difficulty=marker, started_on=today
    )
    services.help_record(by=DEMO, pairing=pairing, given_on=today, description=marker)
    screening = services.screening_invite(by=DEMO, woman=woman, kind="breast", invited_on=today)
    check = services.prepregnancy_book(by=DEMO, wife=woman, booked_on=today)
    referral = services.referral_record(
        by=DEMO, person=woman, kind="infertility", referred_on=today, referred_to=marker
    )
    item = services.supply_item_define(by=DEMO, code="scoping-pill", name="避孕药", kind="contraceptive")
    services.stock_receive(
        by=DEMO,
        area=area,
        item=item,
        quantity=5,
        received_on=today,
        expires_on=today + datetime.timedelta(days=300),
    )
    campaign = services.campaign_record(
        by=DEMO, area=area, name=marker, kind="market_day", starts_on=today, ends_on=today, places=marker
    )
    [handout] = services.stock_hand_out(
        by=DEMO, area=area, item=item, quantity=1, moved_on=today, person=woman
    )
    gift = services.gift_propose(by=DEMO, visit=visit, occasion="5.29", money="100", goods=marker)
    need = services.need_submit(
        by=DEMO, area=area, year=today.year, kind="boards", title=marker, cost="1000", urgency=5
    )
    # Allocated at the township's level, so that each sibling township has its own allocation.
    run = services.allocation_run(by=DEMO, county=area.parent, year=today.year, budget="1000")
    project = Project.objects.get(need=need)
    services.fund_enter(by=DEMO, project=project, kind="spent", amount="10", entered_on=today, note=marker)
    inspection = services.inspection_record(
        by=DEMO, project=project, inspected_on=today, verdict="passed", findings=marker
    )
    milestone = services.milestone_add(by=DEMO, project=project, title=marker, due=today)
    return [
        visit,
        visit.handoff,
        pairing,
        screening,
        check,
        referral,
        campaign,
        handout,
        gift,
        need,
        run,
        project,
        inspection,
        milestone,
    ]
