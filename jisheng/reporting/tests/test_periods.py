"""Period keys are stable and readable, and every period type has its due day."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from jisheng.reporting.periods import containing, parse


@pytest.mark.parametrize(
    ("period_type", "key", "start", "end"),
    [
        ("day3", "2026-D3-110", datetime.date(2026, 11, 24), datetime.date(2026, 11, 26)),
        ("week", "2026-W48", datetime.date(2026, 11, 23), datetime.date(2026, 11, 29)),
        ("month", "2026-M11", datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)),
        ("quarter", "2026-Q4", datetime.date(2026, 10, 1), datetime.date(2026, 12, 31)),
        ("year", "2026", datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)),
    ],
)
def test_each_period_type_has_a_stable_key_and_its_days(period_type, key, start, end):
    period = containing(period_type, datetime.date(2026, 11, 25))
    assert (period.key, period.start, period.end) == (key, start, end)
    assert parse(key) == period


def test_previous_and_next_cross_year_boundaries():
    assert parse("2026-M01").previous().key == "2025-M12"
    assert parse("2026-D3-001").previous().key == "2025-D3-122"
    assert parse("2025-D3-122").end == datetime.date(2025, 12, 31)  # the last block is cut short
    assert parse("2026-W01").start == datetime.date(2025, 12, 29)  # ISO weeks: the year of the Thursday
    assert [p.key for p in parse("2026-M03").history(3)] == ["2025-M12", "2026-M01", "2026-M02"]


def test_the_due_day_counts_days_after_the_period_ends():
    assert parse("2026-M02").due(3) == datetime.date(2026, 3, 3)


@pytest.mark.parametrize("key", ["2026-M13", "2026-Q5", "2026-W54", "2026-D3-123", "26-M1", "2026/11"])
def test_malformed_keys_are_refused(key):
    with pytest.raises(ValidationError):
        parse(key)
