"""Disclosures of personal data as audited acts.

Revealing one ID number on a person's page asks for a reason and writes an event; an export of ten
thousand rows, a bank file or a certificate PDF discloses as much or more, so it is recorded in the
same trail: who, on which grounds, what kind of data, how many records, with which filter. The event
is written in its own transaction before the file is handed over, so a disclosure that happened is
never missing from the trail (a file whose event failed to write is not sent).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jisheng.core.actor import Actor

from .models import AuditEvent
from .services import record

MIN_REASON_LENGTH = 2


def clean_reason(reason: str | None) -> str:
    """The reason as given, or a Chinese refusal: a bulk disclosure must say why."""
    text = " ".join((reason or "").split())
    if len(text) < MIN_REASON_LENGTH:
        raise ValidationError(_("Say why you need these personal data (at least two characters)."))
    return text[:500]


@transaction.atomic
def disclosure_record(
    *,
    by: Actor,
    kind: str,
    count: int,
    fields: Iterable[str],
    filters: Mapping[str, Any] | None = None,
    reason: str = "",
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    area_code: str | None = None,
) -> AuditEvent:
    """Append a ``disclosure.<kind>`` event. May be nested in a caller's transaction."""
    return record(
        by=by,
        action=f"disclosure.{kind}",
        object_type=object_type or "disclosure",
        object_id=object_id,
        object_repr=object_repr or kind,
        after={
            "kind": kind,
            "count": count,
            "fields": sorted(set(fields)),
            "filters": {k: v for k, v in (filters or {}).items() if v not in (None, "")},
        },
        reason=reason,
        area_code=area_code,
    )
