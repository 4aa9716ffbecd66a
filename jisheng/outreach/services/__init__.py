"""Every change outreach makes, one transaction and one audit event each (see each module)."""

from .visits import (
    handoff_settle,
    handoff_take,
    help_record,
    pairing_end,
    pairing_start,
    visit_record,
)

__all__ = [
    "handoff_settle",
    "handoff_take",
    "help_record",
    "pairing_end",
    "pairing_start",
    "visit_record",
]
