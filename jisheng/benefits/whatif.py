"""What-if: a draft rule version run beside the current one, the difference in people and money by
township (or by village when the area is a township). Nothing is saved."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jisheng.areas.codes import level_of, normalize_code
from jisheng.areas.models import Area

from . import engine
from .rules import Programme, Version, with_draft_amount


@dataclass
class Row:
    code: str
    name: str
    current_persons: int = 0
    current_total: Decimal = Decimal("0.00")
    draft_persons: int = 0
    draft_total: Decimal = Decimal("0.00")

    @property
    def persons_change(self) -> int:
        return self.draft_persons - self.current_persons

    @property
    def total_change(self) -> Decimal:
        return self.draft_total - self.current_total


@dataclass
class Comparison:
    programme: Programme
    year: int
    current: Version
    draft: Version
    rows: list[Row]

    @property
    def totals(self) -> Row:
        total = Row("", "合计")
        for row in self.rows:
            total.current_persons += row.current_persons
            total.current_total += row.current_total
            total.draft_persons += row.draft_persons
            total.draft_total += row.draft_total
        return total

    def as_dict(self) -> dict[str, Any]:
        def row_dict(row: Row) -> dict[str, Any]:
            return {
                "area": row.code,
                "name": row.name,
                "current_persons": row.current_persons,
                "current_total": f"{row.current_total:.2f}",
                "draft_persons": row.draft_persons,
                "draft_total": f"{row.draft_total:.2f}",
                "persons_change": row.persons_change,
                "total_change": f"{row.total_change:.2f}",
            }

        return {
            "programme": self.programme.id,
            "year": self.year,
            "current_version": self.current.version,
            "draft_version": self.draft.version,
            "rows": [row_dict(r) for r in self.rows],
            "total": row_dict(self.totals),
        }


def _group_length(area_code: str) -> int:
    """Group a county (or larger) by township, a township by village."""
    return 12 if level_of(area_code) >= 4 else 9


def compare(
    programme: Programme, year: int, area_code: str, draft_yuan: Decimal, draft: Version | None = None
) -> Comparison:
    area_code = normalize_code(area_code)
    current = programme.version_for(year)
    if current is None:
        raise ValueError(f"项目 {programme.name} 在 {year} 年没有有效版本")
    draft = draft or with_draft_amount(programme, current, draft_yuan)
    length = _group_length(area_code)
    rows: dict[str, Row] = {}

    def row_for(code: str) -> Row:
        key = code[:length].ljust(12, "0")
        if key not in rows:
            rows[key] = Row(key, "")
        return rows[key]

    # one run supplies the candidates for both versions: the draft differs in amounts only when made
    # with with_draft_amount; a draft with other conditions is run on its own
    for version, persons_attr, total_attr in (
        (current, "current_persons", "current_total"),
        (draft, "draft_persons", "draft_total"),
    ):
        result = engine.run(programme, year, area_code, version=version)
        counts: dict[str, list[Decimal]] = defaultdict(list)
        for decision in result.proposals:
            counts[decision.subject.area_code].append(decision.amount)
        for code, amounts in counts.items():
            row = row_for(code)
            setattr(row, persons_attr, getattr(row, persons_attr) + len(amounts))
            setattr(row, total_attr, getattr(row, total_attr) + sum(amounts, Decimal("0.00")))
    names = dict(Area.objects.filter(code__in=list(rows)).values_list("code", "name"))
    for code, row in rows.items():
        row.name = names.get(code, code)
    return Comparison(programme, year, current, draft, sorted(rows.values(), key=lambda r: r.code))
