"""When each user of the open-loop run first asks (kept apart from the driver, which patches the
standard library with gevent when imported)."""

from __future__ import annotations

GOLDEN_FRACTION = 0.6180339887498949


def start_offset(number: int, pacing: float) -> float:
    """Seconds the user numbered ``number`` waits before its first request in the open loop: the
    fractional parts of multiples of the golden ratio, which spread any count of users evenly over one
    pacing period (each new user falls in the largest gap left), the same for the same numbers."""
    return ((number * GOLDEN_FRACTION) % 1.0) * pacing


class Schedule:
    """One open-loop user's own clock: its k-th request is due at ``first_due + k × pacing`` whatever the
    answers took (a late answer shortens the next wait, and a request more than a period late starts at
    once). locust's ``constant_pacing`` counts from the user's creation instead, so a user started at a
    phase of its own is pulled back into its batch's beat after the first request."""

    def __init__(self, first_due: float, pacing: float) -> None:
        self.due = first_due
        self.pacing = pacing

    def wait_before_first(self, now: float) -> float:
        return max(0.0, self.due - now)

    def wait_after_request(self, now: float) -> float:
        self.due += self.pacing
        return max(0.0, self.due - now)
