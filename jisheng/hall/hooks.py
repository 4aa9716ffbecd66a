"""Hooks for apps above the hall: they register a handler here, the hall calls it; the hall never imports them.

``on_booking(item_code, handler)``: a bookable item's application was received (any channel). The handler
runs inside the intake's transaction with the application and the actor who submitted it, so what it
writes stands or falls with the case; it may raise ``ValidationError`` to refuse the booking.

``on_closed(item_code, handler)``: a case of the item was concluded without being granted — refused after
review, declined at intake or withdrawn at the applicant's wish. The handler runs inside that step's
transaction with the concluded application and the actor who took the step.

``on_reopened(item_code, handler)``: such a case was reopened on review (复核); the handler runs inside the
review's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

BookingHandler = Callable[..., object]

_booking_handlers: dict[str, list[BookingHandler]] = {}


def on_booking(item_code: str, handler: BookingHandler) -> None:
    """Register ``handler(application=..., by=...)`` for bookings of the catalogue item ``item_code``."""
    handlers = _booking_handlers.setdefault(item_code, [])
    if handler not in handlers:
        handlers.append(handler)


def booked(application: Any, *, by: Any) -> None:
    """Called by the intake once a bookable item's application is recorded."""
    for handler in _booking_handlers.get(application.item.code, []):
        handler(application=application, by=by)


_closed_handlers: dict[str, list[BookingHandler]] = {}


def on_closed(item_code: str, handler: BookingHandler) -> None:
    """Register ``handler(application=..., by=...)`` for cases of ``item_code`` concluded without a grant."""
    handlers = _closed_handlers.setdefault(item_code, [])
    if handler not in handlers:
        handlers.append(handler)


def closed(application: Any, *, by: Any) -> None:
    """Called by the refusal, the decline at intake and the withdrawal, once the case is concluded."""
    for handler in _closed_handlers.get(application.item.code, []):
        handler(application=application, by=by)


_reopened_handlers: dict[str, list[BookingHandler]] = {}


def on_reopened(item_code: str, handler: BookingHandler) -> None:
    """Register ``handler(application=..., by=...)`` for cases of ``item_code`` reopened on review."""
    handlers = _reopened_handlers.setdefault(item_code, [])
    if handler not in handlers:
        handlers.append(handler)


def reopened(application: Any, *, by: Any) -> None:
    """Called by the review that sets a refusal aside, once the case is open again."""
    for handler in _reopened_handlers.get(application.item.code, []):
        handler(application=application, by=by)
