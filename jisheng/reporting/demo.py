"""Demo step: forms loaded; the monthly reports of 庙湾镇's villages for last month and this month in the
states a real township has (mostly approved, two late, one returned, one with a figure that does not
match the registry waiting for the township's decision; this month partly filled). Dashboards compute
registry figures when shown, so nothing is stored for them."""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.utils import timezone

from jisheng.accounts.models import User
from jisheng.accounts.roles import RoleCode
from jisheng.accounts.services import user_create
from jisheng.areas.models import Area
from jisheng.core.actor import DEMO

from . import clock, services
from .models import Report, ReportForm
from .periods import Period, containing

ORDER = 60
DEMO_TOWNSHIP = "411723101000"
DEMO_PASSWORD = "Jisheng#2026"  # the documented password of every demo account
LATE = (3, 7)  # positions of the villages that submit last month's report late
RETURNED = 5
PLANTED = 1  # reports 5 more births than the registry has


def populate(*, persons: int, seed: int, out: Any) -> None:
    services.forms_load(by=DEMO)
    township = Area.objects.filter(code=DEMO_TOWNSHIP).first()
    head = User.objects.filter(username="township").first()
    if township is None or head is None:
        out.write("报表: 跳过(缺少演示区划或账号)")
        return
    form = ReportForm.objects.get(code="village_month")
    rng = random.Random(seed)
    villages = list(Area.objects.filter(parent=township, valid_to__isnull=True).order_by("code"))
    officers = {village.code: _officer(village) for village in villages}
    current = containing("month", clock.today())
    created = _last_month(form, current.previous(), villages, officers, head, rng)
    created += _this_month(form, current, villages, officers, rng)
    out.write(f"报表: 新增村级月报 {created} 份")


def _officer(village: Area) -> User:
    existing = User.objects.filter(area=village, roles__code=RoleCode.VILLAGE_OFFICER).first()
    if existing is not None:
        return existing
    return user_create(
        username=f"village-{village.code[-3:]}",
        password=DEMO_PASSWORD,
        area=village,
        roles=[RoleCode.VILLAGE_OFFICER],
        full_name=f"{village.name}专干",
        by=DEMO,
        validate=False,
    )


def _manual(rng: random.Random) -> dict[str, int]:
    target, screen_target, movers = rng.randint(5, 20), rng.randint(20, 60), rng.randint(0, 6)
    return {
        # The checks done, the women screened, campaigns, publicity copies and contraceptive hand-outs are
        # counted from outreach's records, not typed.
        "prepregnancy_target": target,
        "cancer_screen_target": screen_target,
        "migrants_out_new": movers,
        "migrants_checklist_done": max(0, movers - rng.randint(0, 1)),
    }


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _last_month(
    form: ReportForm,
    period: Period,
    villages: list[Area],
    officers: dict[str, User],
    head: User,
    rng: random.Random,
) -> int:
    created = 0
    for position, village in enumerate(villages):
        if Report.objects.filter(form=form, period_key=period.key, area=village).exists():
            continue
        officer = officers[village.code]
        report = services.report_open(form=form, period=period, area=village, by=officer)
        values: dict[str, Any] = _manual(rng)
        if position == PLANTED:
            values["births"] = (report.values.get("births") or 0) + 5
            values["births_order_1"] = (report.values.get("births_order_1") or 0) + 5
            values["births_sex_2"] = (report.values.get("births_sex_2") or 0) + 5
        services.report_save_values(report=report, values=values, by=officer)
        due = report.due_date
        when = (
            _at(due + datetime.timedelta(days=2), 16)
            if position in LATE
            else _at(due - datetime.timedelta(days=1), 10)
        )
        with clock.travel_to(min(when, timezone.now())):
            services.report_submit(report=report, by=officer)
        if position == RETURNED:
            services.report_return(
                report=report, comment="流出人口“四个一”落实人数与台账不符，请核对后重报", by=head
            )
        elif position != PLANTED:
            services.report_approve(
                report=report, by=head, explanation="已电话核实" if report.high_findings() else ""
            )
        created += 1
    return created


def _this_month(
    form: ReportForm, period: Period, villages: list[Area], officers: dict[str, User], rng: random.Random
) -> int:
    created = 0
    for position, village in enumerate(villages[: len(villages) // 2 + 1]):
        if Report.objects.filter(form=form, period_key=period.key, area=village).exists():
            continue
        officer = officers[village.code]
        report = services.report_open(form=form, period=period, area=village, by=officer)
        services.report_save_values(report=report, values={"migrants_out_new": rng.randint(0, 3)}, by=officer)
        if position % 3 == 0:
            services.report_save_values(report=report, values=_manual(rng), by=officer)
            services.report_submit(report=report, by=officer)
        created += 1
    return created
