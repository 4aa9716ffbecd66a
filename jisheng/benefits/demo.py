"""Demo step: load (and so validate) the programmes, then propose the 2025 育儿补贴 batch of 庙湾镇
and record a payee account for its lines, so the demo can be taken through to the bank file (the
county's ``county`` approves, ``county2`` pays: four eyes). The last line is left without an account,
so the accounts page has something to show.

Idempotent: a second run finds the batch and creates nothing.
"""

from __future__ import annotations

from typing import Any

from jisheng.areas.models import Area
from jisheng.core.actor import DEMO
from jisheng.registry.models import Birth

from .models import Batch
from .payee import Account, luhn_ok
from .rules import programmes
from .services import batch_propose, line_account_set

ORDER = 50
DEMO_TOWNSHIP = "411723101000"
DEMO_PROGRAMME = "childcare_subsidy"
DEMO_YEAR = 2025


def populate(*, persons: int, seed: int, out: Any) -> None:
    loaded = programmes(reload=True)
    out.write(f"奖励扶助项目: 已载入 {len(loaded)} 个（{'、'.join(p.name for p in loaded.values())}）\n")
    township = Area.objects.filter(code=DEMO_TOWNSHIP).first()
    if township is None:
        out.write("奖励扶助: 未找到庙湾镇，跳过批次\n")
        return
    existing = Batch.objects.filter(programme_id=DEMO_PROGRAMME, year=DEMO_YEAR, area=township).first()
    if existing is not None:
        out.write(f"育儿补贴 {DEMO_YEAR} 批次已存在（{existing.lines.count()} 人，{existing.total} 元）\n")
        return
    batch = batch_propose(programme_id=DEMO_PROGRAMME, year=DEMO_YEAR, area=township, by=DEMO)
    lines = list(batch.lines.order_by("id"))
    for line in lines[:-1]:
        line_account_set(line=line, account=_demo_account(line), by=DEMO)
    out.write(
        f"育儿补贴 {DEMO_YEAR} 庙湾镇批次: {len(lines)} 人，{batch.total} 元，"
        f"已登记收款账户 {max(len(lines) - 1, 0)} 人\n"
    )


def _demo_account(line: Any) -> Account:
    """A made-up UnionPay card (a valid check digit, so it passes the same check as a real one) in
    the name of the child's mother when the registry knows her, else the child's."""
    birth = Birth.objects.filter(child_id=line.person_id).select_related("mother").first()
    holder = birth.mother.name if birth is not None else line.name
    body = f"622848{line.pk:012d}"
    digit = next(d for d in "0123456789" if luhn_ok(body + d))
    return Account("bank_card", body + digit, "中国农业银行平舆县支行", holder)
