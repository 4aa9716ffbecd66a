"""The open loop's users start spread over one pacing period, never in locust's batches."""

from __future__ import annotations

import pytest

from jisheng.core.loadbench.pacing import Schedule, start_offset


def test_two_hundred_users_start_spread_evenly_over_the_pacing_period():
    pacing, users, slots = 2.0, 200, 20
    counts = [0] * slots
    for number in range(users):
        offset = start_offset(number, pacing)
        assert 0.0 <= offset < pacing
        counts[int(offset / pacing * slots)] += 1
    # An even spread puts 10 users in each tenth of a second; a batch would put 100 in one.
    assert max(counts) <= 12 and min(counts) >= 8, counts


def test_a_batch_of_users_started_together_asks_at_distinct_moments():
    offsets = sorted(start_offset(number, 1.0) for number in range(100))
    gaps = [later - earlier for earlier, later in zip(offsets, offsets[1:], strict=False)]
    assert min(gaps) > 0.001


def test_the_same_user_number_always_waits_the_same():
    assert start_offset(37, 2.0) == start_offset(37, 2.0)


def test_a_users_requests_stay_on_its_own_beat_whatever_the_answers_take():
    schedule = Schedule(first_due=10.3, pacing=2.0)
    assert schedule.wait_before_first(now=10.0) == pytest.approx(0.3)
    # The first answer took 0.5 s: the next request is due at 12.3, not two seconds after the answer.
    assert schedule.wait_after_request(now=10.8) == pytest.approx(1.5)
    # An answer that took 2.5 s leaves no wait: the request due at 14.3 starts at once, late.
    assert schedule.wait_after_request(now=14.8) == 0.0
    # And the beat is kept: the next is due at 16.3.
    assert schedule.wait_after_request(now=15.0) == pytest.approx(1.3)


def test_users_started_in_one_batch_keep_their_phases_after_the_first_request():
    """locust creates a batch's users at one instant; each waits its phase, then keeps it."""
    created, pacing = 100.0, 1.0
    schedules = [Schedule(created + start_offset(number, pacing), pacing) for number in range(50)]
    answered = [s.due + 0.004 for s in schedules]  # every answer 4 ms after its request
    second = sorted(a + s.wait_after_request(now=a) for s, a in zip(schedules, answered, strict=True))
    gaps = [later - earlier for earlier, later in zip(second, second[1:], strict=False)]
    assert min(gaps) > 0.001 and second[-1] - second[0] > 0.9
