"""Who gives a message kind its meaning: a higher app registers a handler per kind in its AppConfig.ready.

    from jisheng.exchange import handlers

    def on_arrival(*, message: InboxMessage) -> dict:
        ...                       # runs inside the inbox transaction, exactly once per message id
        return {"person": "…"}    # the receipt payload, signed and sent back to the sender

    handlers.register("migrants.arrival", on_arrival)

A handler refuses a message by raising ``handlers.Refused(_("…reason in Chinese…"))``: whatever it wrote
is rolled back, the message is recorded as refused with that reason, and the sender gets a signed
receipt saying "refused" (final: it is not sent again). Any other exception rolls the whole delivery
back and the sender tries again later.

Kinds starting with ``exchange.`` belong to this app (``exchange.receipt`` carries a receipt back when
the message came in a file).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .models import InboxMessage


class Handler(Protocol):
    def __call__(self, *, message: InboxMessage) -> dict[str, Any]: ...


class Refused(Exception):  # noqa: N818 -- a handler's answer, not a programming error
    """Raised by a handler to refuse a message; ``reason`` goes back to the sender."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = str(reason)


_registry: dict[str, Handler | Callable[..., dict[str, Any]]] = {}


def register(kind: str, handler: Handler | Callable[..., dict[str, Any]], *, replace: bool = False) -> None:
    """Make ``handler`` the one handler of ``kind``; registering a second one for a kind is a mistake
    (``replace=True`` for tests that swap one in)."""
    if not kind or len(kind) > 48:
        raise ValueError(f"message kind {kind!r} must be 1–48 characters")
    if kind in _registry and _registry[kind] is not handler and not replace:
        raise ValueError(f"message kind {kind!r} already has a handler")
    _registry[kind] = handler


def unregister(kind: str) -> None:
    _registry.pop(kind, None)


def handler_for(kind: str) -> Handler | Callable[..., dict[str, Any]] | None:
    return _registry.get(kind)


def kinds() -> list[str]:
    return sorted(_registry)
