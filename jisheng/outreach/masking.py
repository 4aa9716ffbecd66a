"""Health data shown masked: every list and export writes ``MASK`` where a result, a referral or a
follow-up would be, unless the reader revealed that one record with a reason (``services.health_reveal``)
or gave a reason for the whole export (an audited disclosure)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

MASK = "●●●"
HIDDEN_NOTE = _("hidden (health data)")


def masked(value: object) -> str:
    """The mask when there is something to hide, empty when there is nothing (so "not yet" still reads)."""
    return MASK if value not in (None, "") else ""
