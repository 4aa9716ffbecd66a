"""The rectification ledger: seed 003's walk-around outing, progress, closing, escalation, the .xlsx export."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from jisheng.audit.models import AuditEvent
from jisheng.core.actor import System
from jisheng.petitions import services
from jisheng.petitions.models import LedgerItem, LedgerStatus
from jisheng.petitions.services import NewItem

from .conftest import D, freeze

SUGGESTIONS = [
    "计划生育服务手册网上办理系统操作不便",
    "不能到大厅的群众希望上门办理服务手册",
    "二孩生育证办理程序繁琐",
    "嫁到市外的妇女办理婚育证明难",
    "办证前置条件多",
    "服务大厅午间无人值守",
    "政策宣传材料看不懂",
    "奖励扶助金发放不及时",
    "计生特殊家庭帮扶联系人不固定",
    "孕前优生检查预约难",
    "村计生专干联系电话不公开",
    "流动人口办证需多次往返",
    "社区服务站开放时间短",
    "避孕药具发放点少",
    "网上办理进度查不到",
    "答复群众问题推诿",
    '=HYPERLINK("http://x","点击")',
]


def test_seventeen_suggestions_from_one_outing_become_seventeen_ledger_items_exported_to_xlsx(
    areas, staff
) -> None:
    county = areas["county"]
    with freeze(D(2026, 4, 10)):
        outing = services.outing_record(
            area=county,
            held_on=D(2026, 4, 10),
            title="用脚步丈量民情、用真心听取民意徒步调研",
            groups=8,
            walkers="委领导班子成员带队，机关党员干部8个调研组",
            route="高新区、奎文区部分村居、社区",
            heard="面对面征求对人口计生工作及干部作风的意见建议",
            by=staff["county"],
        )
        offices = ["政策法规科", "流动人口科", "办公室", "宣传科"]
        people = [staff["county"], staff["head"], staff["clerk"]]
        items = services.outing_suggestions_to_ledger(
            outing=outing,
            items=[
                NewItem(
                    title=text,
                    responsible=people[i % 3],
                    office=offices[i % 4],
                    deadline=D(2026, 5, 10) + datetime.timedelta(days=i),
                )
                for i, text in enumerate(SUGGESTIONS)
            ],
            by=staff["county"],
        )
    assert len(items) == 17 and LedgerItem.objects.filter(outing=outing).count() == 17
    assert all(item.responsible_id and item.office and item.deadline for item in items)
    assert items[0].source == "walk_around" and items[16].source_ref == "调研20260410-17"
    data = services.ledger_export(
        items=list(
            LedgerItem.objects.filter(outing=outing).prefetch_related("notes").select_related("responsible")
        ),
        reason="整改督查",
        area_code=county.code,
        by=staff["county"],
    )
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "整改事项" and len(rows) == 18
    assert [r[1] for r in rows[1:]] == SUGGESTIONS
    assert rows[1][4] == str(staff["county"]) and rows[1][5] == "政策法规科"
    formula = sheet.cell(row=18, column=2)
    assert formula.data_type == "s" and formula.value.startswith("=HYPERLINK")
    event = AuditEvent.objects.get(action="disclosure.petitions_ledger")
    assert event.after["count"] == 17 and event.reason == "整改督查"


def test_a_bad_suggestion_row_refuses_the_whole_outing_naming_its_number(areas, staff) -> None:
    outing = services.outing_record(
        area=areas["township_a"],
        held_on=D(2026, 1, 5),
        title="走访",
        walkers="张建国",
        route="王庄村",
        by=staff["head"],
    )
    good = NewItem(title="路灯不亮", responsible=staff["clerk"], office="办公室", deadline=D(2099, 1, 1))
    bad = NewItem(title="", responsible=staff["clerk"], office="办公室", deadline=D(2099, 1, 1))
    with pytest.raises(ValidationError, match="2"):
        services.outing_suggestions_to_ledger(outing=outing, items=[good, bad], by=staff["head"])
    assert not LedgerItem.objects.exists()
    other = NewItem(title="路灯", responsible=staff["other"], office="办公室", deadline=D(2099, 1, 1))
    with pytest.raises(ValidationError):
        services.outing_suggestions_to_ledger(outing=outing, items=[other], by=staff["head"])


def test_an_item_records_progress_closes_with_satisfaction_and_an_overdue_one_escalates_once(
    areas, staff
) -> None:
    with freeze(D(2026, 3, 1)):
        item = services.ledger_item_create(
            area=areas["township_a"],
            item=NewItem(
                title="大厅午间无人值守",
                responsible=staff["clerk"],
                office="服务大厅",
                deadline=D(2026, 3, 20),
            ),
            source="bad_rating",
            source_ref="SQ-411723101-20260225-0003",
            by=staff["head"],
        )
        late = services.ledger_item_create(
            area=areas["township_a"],
            item=NewItem(
                title="宣传材料看不懂", responsible=staff["clerk"], office="宣传", deadline=D(2026, 3, 10)
            ),
            source="survey",
            by=staff["head"],
        )
        services.ledger_progress(
            item=item, text="已排定午间AB岗值班表", evidence="值班表照片", by=staff["clerk"]
        )
        item = services.ledger_close(
            item=item, satisfaction="satisfied", summary="午间有人值守", by=staff["clerk"]
        )
    assert item.status == LedgerStatus.CLOSED and item.satisfaction == "satisfied"
    assert services.ledger_escalate(today=D(2026, 3, 11), by=System(job="petitions sweep")) == 1
    assert services.ledger_escalate(today=D(2026, 3, 12), by=System(job="petitions sweep")) == 0
    late.refresh_from_db()
    assert late.escalated_on == D(2026, 3, 11) and late.notes.filter(text__contains="督办").exists()
