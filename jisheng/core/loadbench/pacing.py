"""When each user of the open-loop run first asks (kept apart from the driver, which patches the
standard library with gevent when imported)."""

from __future__ import annotations

GOLDEN_FRACTION = 0.6180339887498949


def start_offset(number: int, pacing: float) -> float:
    """Seconds the user numbered ``number`` waits before its first request in the open loop: the
    fractional parts of multiples of the golden ratio, which spread any count of users evenly over one
    pacing period (each new user falls in the largest gap left), the same for the same numbers."""
    return ((number * GOLDEN_FRACTION) % 1.0) * pacing
