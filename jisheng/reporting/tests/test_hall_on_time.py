"""The service hall's on-time rate is counted from the hall's own cases, by the deadline that fell in the period."""

import datetime

import pytest

from jisheng.hall.models import Application
from jisheng.hall.tests.scoping import make_objects
from jisheng.reporting import compute, definitions, queries
from jisheng.reporting.periods import parse


@pytest.mark.django_db
def test_the_hall_on_time_rate_counts_cases_due_in_the_month_and_those_finished_by_their_deadline(areas):
    cases = [make_objects(area=areas["village_a"], marker=f"办件{n}")[0] for n in range(4)]
    october, november = datetime.date(2026, 10, 20), datetime.date(2026, 11, 3)
    for case, due_on, on_time in zip(
        cases, (october, october, october, november), (True, True, None, True), strict=True
    ):
        Application.objects.filter(pk=case.pk).update(due_on=due_on, on_time=on_time)

    figures = compute.compute_area(
        definitions.form_files()["village_month"], parse("2026-M10"), areas["village_a"]
    )
    result = queries.indicator_result(definitions.indicators()["hall_on_time_rate"], figures)

    assert (result.numerator, result.denominator) == (2, 3)  # the open case past its deadline is not on time
    assert result.value == pytest.approx(200 / 3)
    assert result.in_range is False  # the pledge is 98 % or better
    other = compute.compute_area(
        definitions.form_files()["village_month"], parse("2026-M10"), areas["village_b"]
    )
    assert queries.indicator_result(definitions.indicators()["hall_on_time_rate"], other).denominator == 0
