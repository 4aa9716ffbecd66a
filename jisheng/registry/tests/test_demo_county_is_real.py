"""The generated county passes the checks imported data passes, and runs up to the day it is made."""

import datetime
import io

import pytest

from jisheng.registry import demo
from jisheng.registry.demo_county import Generator
from jisheng.registry.models import Birth, Person
from jisheng.registry.validation import identity_from_id


def test_no_generated_person_is_born_in_the_future_or_disagrees_with_their_id(areas):
    demo.populate(persons=3000, seed=11, out=io.StringIO())
    today = datetime.date.today()
    assert not Person.objects.filter(birth_date__gt=today).exists()
    for number, birth, sex in Person.objects.values_list("id_number", "birth_date", "sex"):
        identity = identity_from_id(number)
        assert (identity.birth_date, identity.sex) == (birth, sex), number


def test_births_run_up_to_the_month_the_county_is_generated(areas):
    demo.populate(persons=6000, seed=5, out=io.StringIO())
    today = datetime.date.today()
    last = Birth.objects.order_by("-date").values_list("date", flat=True).first()
    assert last is not None and last <= today
    # Births are spread over the decades; in a county of 6,000 the latest lands within a few
    # months of today (the fixed 2026-11-01 cut-off of old left 45 days without any).
    assert (today - last).days < 120


def _generator(*, seed: int) -> Generator:
    """A generator of one village on a fixed day, for checking single rows."""
    import random

    return Generator(
        rng=random.Random(seed),
        villages=["411723101201"],
        person_id=1,
        household_id=1,
        marriage_id=1,
        birth_id=1,
        contraception_id=1,
        residence_id=1,
        household_index=0,
        used_ids=set(),
        today=datetime.date(2026, 12, 1),
    )


def test_a_swapped_year_digit_never_plants_a_person_born_in_the_future():

    generator = _generator(seed=1)
    # 2003-02-01: swapping the year's 0 and 3 gives 2303, the month's 0 and 2 gives 2003-20-01
    # (refused as a date); every candidate the generator keeps must lie in the past.
    body = "41172320030201001"
    from stdnum.cn import ric

    number = body + ric.calc_check_digit(body + "0")
    for _ in range(50):
        candidate = generator.transposed(number)
        if candidate:
            assert identity_from_id(candidate).birth_date <= datetime.date(2026, 12, 1)


def test_the_check_refuses_an_impossible_row():

    generator = _generator(seed=2)
    generator.person(
        name="王未来",
        sex="1",
        birth=datetime.date(2030, 1, 1),
        village="411723101201",
        household_id=None,
        relation="",
        marital="10",
        hukou="1",
        address="",
    )
    with pytest.raises(ValueError, match="future"):
        generator.check()
