"""The open loop's users start spread over one pacing period, never in locust's batches."""

from __future__ import annotations

from jisheng.core.loadbench.pacing import start_offset


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
