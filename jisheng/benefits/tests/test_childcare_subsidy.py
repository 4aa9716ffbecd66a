"""育儿补贴 2025: exactly the children the national rule names, with pro-rated amounts to the fen."""

import datetime
from decimal import Decimal

import pytest

from jisheng.benefits import engine
from jisheng.benefits.rules import get_programme

from .factories import person

D = datetime.date


@pytest.fixture
def children(areas):
    village = areas["village_a"]
    return {
        "born 2022-01-01": person(village, "满三岁", "1", D(2022, 1, 1)),
        "born 2022-12-31": person(village, "年底生", "2", D(2022, 12, 31)),
        "born 2022-10-15": person(village, "十月生", "1", D(2022, 10, 15)),
        "born 2024-02-29": person(village, "闰日生", "2", D(2024, 2, 29)),
        "born 2025-06-30": person(village, "新生儿", "1", D(2025, 6, 30)),
        "born 2026-01-02": person(village, "未出生", "1", D(2026, 1, 2)),
        "died": person(village, "已故", "1", D(2024, 5, 1), status="dead", death_date=D(2025, 3, 1)),
        "moved out": person(village, "已迁出", "2", D(2024, 5, 1), status="moved_out"),
        "away": person(village, "外出", "2", D(2023, 7, 9), status="away"),
    }


def run_2025():
    return engine.run(get_programme("childcare_subsidy"), 2025, "411723000000")


def test_the_2025_run_proposes_exactly_the_children_under_three_who_live_here(children):
    proposed = {d.subject.name: d.amount for d in run_2025().proposals}
    assert proposed == {
        "年底生": Decimal("3300.00"),  # Jan–Nov 2025; December is the month of the third birthday
        "十月生": Decimal("2700.00"),  # Jan–Sep: the national worked example, 9 months
        "闰日生": Decimal("3600.00"),
        "新生儿": Decimal("3600.00"),  # born in 2025: a whole year
        "外出": Decimal("3600.00"),
    }


def test_a_child_born_on_1_january_2022_gets_nothing_for_2025_and_the_reason_says_why(children):
    decision = engine.explain(get_programme("childcare_subsidy"), 2025, children["born 2022-01-01"])
    assert not decision.eligible
    assert decision.amount == Decimal("0.00")
    assert any("不符合" in r and "满 3 周岁当月起不计" in r for r in decision.reasons)


def test_dead_and_moved_out_children_are_refused_naming_their_status(children):
    programme = get_programme("childcare_subsidy")
    died = engine.explain(programme, 2025, children["died"])
    moved = engine.explain(programme, 2025, children["moved out"])
    assert "不符合：人员状态为“已死亡”（2025-03-01）" in died.reasons
    assert "不符合：人员状态为“已迁出”" in moved.reasons


def test_the_pro_rated_amount_is_explained_month_by_month(children):
    decision = engine.explain(get_programme("childcare_subsidy"), 2025, children["born 2022-12-31"])
    assert decision.eligible
    assert "金额：2025-01-01 前出生，按月折算：3600.00 元 ÷ 12 × 11 个月 = 3300.00 元" in decision.reasons


def test_amounts_are_decimal_and_the_total_matches_line_by_line(children):
    result = run_2025()
    assert all(isinstance(d.amount, Decimal) for d in result.proposals)
    assert result.total == sum(d.amount for d in result.proposals) == Decimal("16800.00")


def test_a_child_born_in_2025_is_paid_again_in_2026_and_2027_but_not_2028(children):
    programme = get_programme("childcare_subsidy")
    newborn = children["born 2025-06-30"]
    amounts = [engine.explain(programme, year, newborn).amount for year in (2026, 2027, 2028)]
    assert amounts == [Decimal("3600.00"), Decimal("3600.00"), Decimal("0.00")]


def test_the_run_only_looks_at_the_requested_area(children, areas):
    person(areas["village_b"], "射桥镇孩子", "1", D(2025, 2, 1))
    township_a = engine.run(get_programme("childcare_subsidy"), 2025, areas["township_a"].code)
    assert "射桥镇孩子" not in {d.subject.name for d in township_a.proposals}
    assert len(township_a.proposals) == 5
