"""A whole-area run decides once for each distinct own row when no condition reads more than the row,
and loads every fact an amount's cases read."""

import datetime
from decimal import Decimal

from jisheng.benefits import engine
from jisheng.benefits.conditions import ChildFact, ConditionSpec, Context, MarriageFact, Subject, evaluate
from jisheng.benefits.rules import get_programme, parse, programmes

from .factories import child_of, person

D = datetime.date
FACTS = {"children", "marriages", "contraception", "spouse_contraception"}


def test_children_born_the_same_day_each_get_their_own_proposal_and_a_different_row_its_own_amount(areas):
    village = areas["village_a"]
    twins = [person(village, name, "1", D(2022, 10, 15)) for name in ("双胞甲", "双胞乙")]
    away_twin = person(village, "双胞丙", "1", D(2022, 10, 15), status="away")
    younger = person(village, "小妹", "2", D(2024, 3, 8))
    result = engine.run(get_programme("childcare_subsidy"), 2025, village.code)
    by_name = {d.subject.name: d for d in result.proposals}
    assert set(by_name) == {"双胞甲", "双胞乙", "双胞丙", "小妹"}
    assert [by_name[p.name].subject.pk for p in (*twins, away_twin)] == [p.pk for p in (*twins, away_twin)]
    assert by_name["双胞甲"].amount == by_name["双胞乙"].amount == Decimal("2700.00")
    assert by_name["双胞甲"].explanation == by_name["双胞乙"].explanation
    # the same birth day but away: eligible all the same, and its reasons say so
    assert "外出" in by_name["双胞丙"].explanation and "外出" not in by_name["双胞甲"].explanation
    assert by_name["小妹"].amount == Decimal("3600.00")
    assert by_name["小妹"].subject.pk == younger.pk


BEREAVED_BONUS = """
id = "bereaved_bonus"
name = "失独家庭慰问金"
region = "测试"
source = "测试用：金额按子女死亡与否分档，条件本身不看子女"
subject = "person"
unit = "person"
continuing = true
documents = ["身份证"]
approval = ["county_approval"]
notice_days = 7

[[versions]]
version = "2025"
effective_from = 2025-01-01
conditions = [
  { test = "status", in = ["alive", "away"] },
  { test = "age", at_least = 49 },
]
[versions.amount]
per = "year"
yuan = 100
cases = [
  { when = [{ test = "child_died" }], yuan = 740 },
]
"""


def test_an_amount_case_that_reads_a_fact_the_conditions_do_not_gets_that_fact_loaded(areas):
    village = areas["village_a"]
    bereaved = person(village, "失独母", "2", D(1965, 1, 1))
    child_of(bereaved, "早逝子", "1", D(1990, 1, 1), status="dead", death_date=D(2015, 6, 1))
    parent = person(village, "有子母", "2", D(1965, 1, 1))
    child_of(parent, "在世子", "1", D(1990, 1, 1))
    programme = parse(BEREAVED_BONUS, "bereaved_bonus.toml")
    amounts = {d.subject.name: d.amount for d in engine.run(programme, 2025, village.code).proposals}
    assert amounts == {"失独母": Decimal("740.00"), "有子母": Decimal("100.00")}
    assert engine.explain(programme, 2025, bereaved).amount == Decimal("740.00")


class OwnRowOnly:
    """A subject that lets a condition read its own row and its facts, and fails the test on anything
    else (the name, the ID number, the area, the household): what sharing decisions relies on."""

    def __init__(self, subject: Subject) -> None:
        self._subject = subject

    def __getattr__(self, name: str):
        if name in engine.OWN_ROW_FIELDS or name in FACTS:
            return getattr(self._subject, name)
        raise AssertionError(f"a condition read the subject's {name}")


def _specs(specs: tuple[ConditionSpec, ...]):
    for spec in specs:
        yield spec
        yield from _specs(spec.options)


def _subjects():
    dead_child = ChildFact("1", D(1990, 1, 1), "dead", D(2015, 6, 1), None)
    disabled_child = ChildFact("2", D(1992, 1, 1), "alive", None, 2)
    wedding = MarriageFact(D(1985, 5, 1), "21", None, D(1960, 1, 1), D(1963, 1, 1), 99)
    for status, death in (("alive", None), ("away", None), ("dead", D(2025, 3, 1)), ("moved_out", None)):
        for sex, born in (("1", D(1960, 1, 1)), ("2", D(1963, 1, 1)), ("2", D(2024, 2, 29))):
            subject = Subject(
                1, "某人", "411723196301010000", sex, born, status, death, None, "agri", "411723101201", 7
            )
            subject.children = [dead_child, disabled_child] if born.year < 2000 else []
            subject.marriages = [wedding] if born.year < 2000 else []
            subject.contraception = [("810", D(2025, 4, 1))] if sex == "2" else []
            subject.spouse_contraception = [("820", D(1995, 4, 1))]
            yield subject


def test_every_condition_and_amount_case_of_every_shipped_programme_reads_only_the_own_row_and_facts():
    tried = set()
    for programme in programmes(reload=True).values():
        for version in programme.versions:
            specs = version.conditions + tuple(s for case in version.amount.cases for s in case.when)
            for spec in _specs(specs):
                for subject in _subjects():
                    for year in (2013, 2025):
                        evaluate(spec, OwnRowOnly(subject), Context(year, version.effective_from))  # type: ignore[arg-type]
                tried.add(spec.test)
    assert {"status", "age", "under_age_months", "children", "child_died", "child_disabled"} <= tried


def test_the_benchmark_reports_the_runs_median_beside_its_bare_statements_and_the_same_children(areas):
    from jisheng.benefits import bench
    from jisheng.core.bench import BenchContext

    village = areas["village_a"]
    for day in (D(2023, 1, 5), D(2023, 1, 5), D(2024, 7, 1)):
        person(village, "孩子", "2", day)
    person(village, "老人", "1", D(1950, 1, 1))
    logged: list[str] = []
    only = {"benefits.eligibility.childcare_subsidy"}
    (row,) = bench.measures(BenchContext(persons=4, only=only, log=logged.append))
    assert row["measure"] == "benefits.eligibility.childcare_subsidy"
    assert row["proposed"] == row["candidates"] == row["baseline_rows"] == 3
    assert len(row["runs_seconds"]) == len(row["baseline_runs_seconds"]) == bench.RUNS
    assert sorted(row["runs_seconds"])[bench.RUNS // 2] == round(row["value"], 3)
    assert row["total_yuan"] == "10800.00"  # each child under three the whole of 2025: 3 × 3,600
    assert "medians of 3" in logged[0]
