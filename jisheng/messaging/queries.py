"""Reads of the outbox for pages: the notices of one case (the portal's case page shows them)."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Message, MessageKind


def case_notices(subject_type: str, subject_id: str) -> QuerySet[Message]:
    """The resident's messages about one case. The caller has already checked the case may be seen."""
    return Message.objects.filter(subject_type=subject_type, subject_id=subject_id, kind=MessageKind.SMS)
