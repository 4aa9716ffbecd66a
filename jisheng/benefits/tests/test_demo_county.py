"""In the demo county, 育儿补贴 2025 proposes exactly the children the national rule names, to the fen,
checked against a plain re-statement of the rule over every resident, plus the planted edge cases."""

import datetime
import io
from decimal import Decimal

import pytest

from jisheng.areas import demo as areas_demo
from jisheng.benefits import demo as benefits_demo
from jisheng.benefits import engine
from jisheng.benefits.models import Batch
from jisheng.benefits.rules import get_programme
from jisheng.registry import demo as registry_demo
from jisheng.registry.models import Person

from .factories import person

D = datetime.date


def expected_2025(born: datetime.date) -> Decimal:
    """The rule stated plainly: born in 2025 → 3600; born before → 300 a month from January 2025 up
    to (not including) the month of the third birthday; nothing for a child not yet born."""
    if born.year == 2025:
        return Decimal("3600.00")
    if born.year > 2025:
        return Decimal("0.00")
    months = max(0, min(12, (born.year + 3 - 2025) * 12 + born.month - 1))
    return Decimal(300 * months).quantize(Decimal("0.01"))


@pytest.fixture
def county(db):
    areas_demo.populate(persons=0, seed=1, out=io.StringIO())
    registry_demo.populate(persons=1500, seed=3, out=io.StringIO())
    from jisheng.areas.models import Area

    village = Area.objects.get(code="411723101201")
    edge = {
        "2022-01-01": person(village, "边界甲", "1", D(2022, 1, 1)),
        "2022-12-31": person(village, "边界乙", "2", D(2022, 12, 31)),
        "2025-06-30": person(village, "边界丙", "1", D(2025, 6, 30)),
        "died": person(village, "边界丁", "2", D(2024, 2, 2), status="dead", death_date=D(2025, 4, 1)),
        "moved out": person(village, "边界戊", "1", D(2024, 2, 2), status="moved_out"),
    }
    return edge


def test_the_2025_run_over_the_demo_county_matches_the_rule_child_by_child(county):
    result = engine.run(get_programme("childcare_subsidy"), 2025, "411723")
    proposed = {d.subject.pk: d.amount for d in result.proposals}
    expected = {}
    for pk, born, status in Person.objects.filter(residence_area__code__startswith="411723").values_list(
        "pk", "birth_date", "status"
    ):
        amount = expected_2025(born)
        if amount > 0 and status in ("alive", "away"):
            expected[pk] = amount
    assert proposed == expected
    assert len(proposed) > 5  # the generated county has young children, not only the planted ones


def test_the_planted_edge_cases_get_exactly_their_amounts(county):
    proposed = {
        d.subject.name: d.amount
        for d in engine.run(get_programme("childcare_subsidy"), 2025, "411723").proposals
    }
    assert "边界甲" not in proposed  # third birthday in January 2025: no month left
    assert proposed["边界乙"] == Decimal("3300.00")
    assert proposed["边界丙"] == Decimal("3600.00")
    assert "边界丁" not in proposed and "边界戊" not in proposed


def test_the_demo_step_proposes_one_township_batch_once(county):
    benefits_demo.populate(persons=1500, seed=3, out=io.StringIO())
    benefits_demo.populate(persons=1500, seed=3, out=io.StringIO())
    batch = Batch.objects.get()
    assert batch.area_id == "411723101000" and batch.programme_id == "childcare_subsidy"
    assert batch.total == sum(line.amount for line in batch.lines.all())
    # every line but the last carries a valid payee account, so the demo reaches the bank file
    from jisheng.benefits.services import lines_lacking_account

    lacking = lines_lacking_account(batch)
    assert [line.pk for line, _problem in lacking] == [batch.lines.order_by("id").last().pk]
