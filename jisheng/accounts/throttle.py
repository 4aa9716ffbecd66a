"""Slowing password guessing per client address, without giving anyone a lever over other people.

django-axes locks an account after five failures from one address (username and address together),
so an attacker elsewhere cannot lock the real user out. This module adds the other half: an address
that keeps failing, whichever usernames it tries (password spraying), must wait before each further
attempt — 1 s after the tenth failure, then 2, 4, 8 … up to five minutes — and is refused for the rest
of the hour after 50 failures. A refused attempt is answered before the password is checked, so it
costs the server no Argon2 hash.
"""

from __future__ import annotations

import math
import time

from django.utils import timezone

from jisheng.core.ratelimit import client_address, hit, peek

FREE_FAILURES = 10
MAX_DELAY_SECONDS = 300
HOURLY_FAILURES = 50


def _key(address: str) -> str:
    return f"login-failed:{address}:{int(time.time() // 3600)}"


def seconds_to_wait(request: object) -> int:
    """0 when this address may try to sign in now, else how many seconds it must wait."""
    counter = peek(_key(client_address(request)))
    if counter is None or counter.count < FREE_FAILURES:
        return 0
    if counter.count >= HOURLY_FAILURES:
        return max(1, 3600 - int(time.time() % 3600))
    delay = min(2 ** (counter.count - FREE_FAILURES), MAX_DELAY_SECONDS)
    waited = (timezone.now() - counter.updated_at).total_seconds()
    return max(0, math.ceil(delay - waited))


def failed(request: object) -> int:
    """Count one failed sign-in of this address; returns the failures of this hour."""
    return hit(_key(client_address(request)), window=3600)
