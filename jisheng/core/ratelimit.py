"""A small fixed-window rate limit for public look-ups (per client address), kept in Django's cache."""

from __future__ import annotations

import time

from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", "unknown"))


def allow(request: HttpRequest, scope: str, *, limit: int = 30, window: int = 60) -> bool:
    """True while this address has made at most ``limit`` requests of ``scope`` in the current window."""
    bucket = int(time.time() // window)
    key = f"ratelimit:{scope}:{client_address(request)}:{bucket}"
    if cache.add(key, 1, timeout=window + 1):
        return True
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=window + 1)
        count = 1
    return count <= limit
