"""Reads of the outbox for pages: the notices of one case (the portal's case page shows them)."""

from __future__ import annotations

from django.db.models import QuerySet

from jisheng.core.kept_statements import KeptStatements

from .models import Message, MessageKind

# A case's messages are read on every view of the resident's case page: the read is compiled once per
# kind of subject and kept, each view binding the subject's id (building and compiling the queryset
# was most of the read's cost). No subject has this id: a real one is at most 64 characters of a number.
_kept = KeptStatements(bound=16)
_NO_SUBJECT = "\x00kept-statement-placeholder"


def case_notices(subject_type: str, subject_id: str) -> QuerySet[Message]:
    """The resident's messages about one case. The caller has already checked the case may be seen."""
    return Message.objects.filter(subject_type=subject_type, subject_id=subject_id, kind=MessageKind.SMS)


def case_notices_list(subject_type: str, subject_id: str) -> list[Message]:
    """``case_notices`` as a list, in its order, through the statement kept for ``subject_type``."""
    return _kept.objects(
        ("case_notices", subject_type),
        lambda key: case_notices(subject_type, key),
        subject_id,
        using=Message.objects.db,
        placeholder=_NO_SUBJECT,
        prepare=True,
    )
