"""Request facts (client IP) that audit events record, carried without passing the request around."""

from contextvars import ContextVar

client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)
