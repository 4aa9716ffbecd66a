"""The cases a resident's browser has proved (its number with the applicant's phone, or by applying).

The resident's case page shows only those. They are kept in a cookie of their own, signed with the
server's secret key (``django.core.signing``), not in a session row: a resident who applies, or looks
their case up, then costs the database no write of a session (SQLite has one writer, shared with the
clerks' transitions) and each view of the case no read of one.

What it keeps of the session it replaces:

- Only this server can write it: a changed or made-up cookie is refused like an absent one (the page is
  a 404), and a number can only enter it through the proof.
- It lapses after ``SESSION_COOKIE_AGE`` (30 minutes) without a view, like the session's idle timeout:
  it carries the time it was written, and a view more than ``TOUCH_SECONDS`` after that writes it again.
- HttpOnly, SameSite=Lax and, behind HTTPS, Secure, as the session cookie.
- At most ``KEEP`` numbers, the newest kept.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

COOKIE = "jisheng_portal_cases"
SALT = "jisheng.hall.portal-cases"
KEEP = 20
TOUCH_SECONDS = 60


@dataclass(frozen=True)
class Proof:
    numbers: tuple[str, ...] = ()
    written_at: float = 0.0

    def __contains__(self, number: object) -> bool:
        return number in self.numbers


def proved(request: HttpRequest) -> Proof:
    """What the request's cookie proves: nothing when it is absent, changed, or idle too long."""
    raw = request.COOKIES.get(COOKIE)
    if not raw:
        return Proof()
    try:
        value = signing.loads(raw, salt=SALT)
    except signing.BadSignature:
        return Proof()
    if not isinstance(value, dict):
        return Proof()
    numbers = value.get("n")
    written_at = value.get("t")
    if not isinstance(numbers, list) or not isinstance(written_at, int | float):
        return Proof()
    if time.time() - written_at > settings.SESSION_COOKIE_AGE:
        return Proof()  # idle too long (the time inside, the one ``touch`` renews)
    return Proof(tuple(str(number) for number in numbers), float(written_at))


def cookie_value(numbers: list[str] | tuple[str, ...], *, now: float | None = None) -> str:
    return signing.dumps(
        {"n": list(numbers)[-KEEP:], "t": int(time.time() if now is None else now)}, salt=SALT, compress=True
    )


def _set(response: HttpResponse, numbers: tuple[str, ...]) -> None:
    response.set_cookie(
        COOKIE,
        cookie_value(numbers),
        max_age=settings.SESSION_COOKIE_AGE,
        httponly=True,
        samesite="Lax",  # as the session cookie (SESSION_COOKIE_SAMESITE)
        secure=settings.SESSION_COOKIE_SECURE,
    )


def remember(request: HttpRequest, response: HttpResponse, number: str) -> None:
    """Add ``number`` (proved just now) to the browser's cases, on ``response``."""
    earlier = tuple(n for n in proved(request).numbers if n != number)
    _set(response, (*earlier, number))


def touch(proof: Proof, response: HttpResponse) -> None:
    """Write the request's cookie (``proof``, as ``proved`` read it) again when it was written more
    than a minute ago: a resident reading the case keeps it, as a session is kept by its use."""
    if proof.numbers and time.time() - proof.written_at >= TOUCH_SECONDS:
        _set(response, proof.numbers)
