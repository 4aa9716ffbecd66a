"""The other shipped programmes decide by their rule: rural reward, special assistance, seed-era ones."""

import datetime
from decimal import Decimal

import pytest

from jisheng.benefits import engine
from jisheng.benefits.rules import get_programme

from .factories import child_of, household, marry, person, sterilise

D = datetime.date


@pytest.fixture
def village(areas):
    return areas["village_a"]


def test_rural_reward_pays_960_to_each_agricultural_parent_of_one_child_and_lists_a_near_miss(village):
    mother = person(village, "赵母", "2", D(1960, 5, 1), hukou_type="agri")
    father = person(village, "赵父", "1", D(1958, 3, 1), hukou_type="agri")
    child_of(mother, "赵子", "1", D(1985, 1, 1), father=father)
    soon = person(village, "钱母", "2", D(1966, 2, 10), hukou_type="agri")  # 60 in February 2026
    child_of(soon, "钱女", "2", D(1990, 1, 1))
    town = person(village, "孙母", "2", D(1950, 1, 1), hukou_type="non_agri")
    child_of(town, "孙子", "1", D(1975, 1, 1))
    result = engine.run(get_programme("rural_reward"), 2025, village.code)
    assert {d.subject.name: d.amount for d in result.proposals} == {
        "赵母": Decimal("960.00"),
        "赵父": Decimal("960.00"),
    }
    assert [(d.subject.name, d.near) for d in result.near_misses] == [
        ("钱母", ["将于 2026-02-10 年满 60 周岁"])
    ]


def test_rural_reward_counts_two_daughters_but_not_a_son_and_a_daughter(village):
    two_girls = person(village, "周母", "2", D(1950, 1, 1), hukou_type="agri")
    child_of(two_girls, "周一", "2", D(1975, 1, 1))
    child_of(two_girls, "周二", "2", D(1978, 1, 1))
    mixed = person(village, "吴母", "2", D(1950, 1, 1), hukou_type="agri")
    child_of(mixed, "吴一", "1", D(1975, 1, 1))
    child_of(mixed, "吴二", "2", D(1978, 1, 1))
    decision = engine.explain(get_programme("rural_reward"), 2025, mixed)
    assert engine.explain(get_programme("rural_reward"), 2025, two_girls).eligible
    assert not decision.eligible and any("共生育 2 个孩子" in r for r in decision.reasons)


def test_special_assistance_was_raised_in_2024_and_differs_by_case(village):
    bereaved = person(village, "郑母", "2", D(1965, 1, 1), hukou_type="agri")
    child_of(bereaved, "郑子", "1", D(1990, 1, 1), status="dead", death_date=D(2015, 6, 1))
    carer = person(village, "王母", "2", D(1968, 1, 1), hukou_type="non_agri")
    child_of(carer, "王子", "1", D(1992, 1, 1), disability_level=2)
    programme = get_programme("special_assistance")
    assert engine.explain(programme, 2024, bereaved).amount == Decimal("8880.00")  # 740 × 12
    assert engine.explain(programme, 2024, carer).amount == Decimal("7080.00")  # 590 × 12
    assert engine.explain(programme, 2023, bereaved).amount == Decimal("2040.00")  # rural 170 × 12
    assert engine.explain(programme, 2023, carer).amount == Decimal("3240.00")  # urban 270 × 12
    assert (
        "符合条件：独生子女已死亡（2015-06-01），现无存活子女"
        in engine.explain(programme, 2024, bereaved).reasons
    )


def test_late_marriage_rewards_one_couple_once_by_the_ages_at_marriage(village):
    home = household(village)
    wife = person(village, "晚婚妻", "2", D(1989, 1, 1), household=home)
    husband = person(village, "晚婚夫", "1", D(1987, 1, 1), household=home)
    marry(husband, wife, D(2013, 5, 1))
    young_wife = person(village, "早婚妻", "2", D(1992, 1, 1))
    marry(person(village, "早婚夫", "1", D(1990, 1, 1)), young_wife, D(2013, 6, 1))
    result = engine.run(get_programme("late_marriage"), 2013, village.code)
    assert [(d.subject.name, d.amount) for d in result.proposals] == [("晚婚妻", Decimal("300.00"))]
    refused = engine.explain(get_programme("late_marriage"), 2013, young_wife)
    assert "不符合：结婚时男方 23 周岁、女方 21 周岁（要求男满 25、女满 23）" in refused.reasons


def test_a_two_daughter_household_is_rewarded_in_the_year_of_the_husbands_sterilisation(village):
    home = household(village)
    wife = person(village, "双女妻", "2", D(1980, 1, 1), household=home)
    husband = person(village, "双女夫", "1", D(1978, 1, 1), household=home)
    marry(husband, wife, D(2003, 1, 1))
    child_of(wife, "大女", "2", D(2005, 1, 1), father=husband)
    child_of(wife, "二女", "2", D(2009, 1, 1), father=husband)
    sterilise(husband, D(2013, 3, 1))
    programme = get_programme("two_daughter_sterilisation")
    decision = engine.explain(programme, 2013, wife)
    assert decision.eligible and decision.amount == Decimal("1000.00")
    assert "符合条件：配偶于 2013-03-01 实施绝育手术" in decision.reasons
    assert not engine.explain(programme, 2014, wife).eligible


def test_surgery_reimbursement_pays_by_the_kind_of_surgery(village):
    woman = person(village, "结扎者", "2", D(1980, 1, 1))
    sterilise(woman, D(2013, 4, 1))
    man = person(village, "男扎者", "1", D(1980, 1, 1))
    sterilise(man, D(2013, 4, 1))
    result = engine.run(get_programme("surgery_reimbursement"), 2013, village.code)
    assert {d.subject.name: d.amount for d in result.proposals} == {
        "结扎者": Decimal("800.00"),
        "男扎者": Decimal("400.00"),
    }


def test_a_large_run_loads_births_by_semi_join_with_the_same_result(village, monkeypatch):
    for n in range(6):
        mother = person(village, f"母{n}", "2", D(1950, 1, 1 + n), hukou_type="agri")
        child_of(mother, f"子{n}", "1", D(1975, 1, 1))
    small = engine.run(get_programme("rural_reward"), 2025, village.code)
    monkeypatch.setattr(engine, "CHUNK", 1)  # six candidates now count as "large"
    monkeypatch.setattr(engine.connection, "vendor", "postgresql")  # the semi-join path on any database
    large = engine.run(get_programme("rural_reward"), 2025, village.code)
    assert [(d.subject.pk, d.amount) for d in large.proposals] == [
        (d.subject.pk, d.amount) for d in small.proposals
    ]
    assert len(large.proposals) == 6
