"""Demo step: load (and so validate) the programmes, then propose the 2025 育儿补贴 batch of 庙湾镇.

Idempotent: a second run finds the batch and creates nothing.
"""

from __future__ import annotations

from typing import Any

from jisheng.areas.models import Area

from .models import Batch
from .rules import programmes
from .services import batch_propose

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
    batch = batch_propose(programme_id=DEMO_PROGRAMME, year=DEMO_YEAR, area=township, by=None)
    out.write(f"育儿补贴 {DEMO_YEAR} 庙湾镇批次: {batch.lines.count()} 人，{batch.total} 元\n")
