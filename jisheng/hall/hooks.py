"""Hooks for apps above the hall: they register a handler here, the hall calls it; the hall never imports them.

``on_booking(item_code, handler)``: a bookable item's application was received (any channel). The handler
runs inside the intake's transaction with the application and the actor who submitted it, so what it
writes stands or falls with the case; it may raise ``ValidationError`` to refuse the booking.
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
