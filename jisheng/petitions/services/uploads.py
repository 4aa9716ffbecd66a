"""Files sent with a matter (evidence, photos of a visit): checked by their first bytes, as the hall checks
its materials, and stored with the matter."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability
from jisheng.audit.services import record
from jisheng.core.actor import Actor, Resident

from ..models import Attachment, Matter, Meeting

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
SIGNATURES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png", b"%PDF-": "application/pdf"}


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes


def content_type_of(content: bytes) -> str | None:
    """Magic numbers, not the file name (as the hall checks its materials)."""
    for magic, kind in SIGNATURES.items():
        if content.startswith(magic):
            return kind
    return None


def check_uploads(uploads: list[Upload]) -> None:
    errors = []
    for index, upload in enumerate(uploads, start=1):
        if len(upload.content) > MAX_ATTACHMENT_BYTES:
            errors.append(
                _("File %(index)s “%(name)s”: larger than 10 MB") % {"index": index, "name": upload.name}
            )
        elif content_type_of(upload.content) is None:
            errors.append(
                _("File %(index)s “%(name)s”: only JPG or PNG photos and PDF files are accepted")
                % {"index": index, "name": upload.name}
            )
    if errors:
        raise ValidationError(errors)


def _store(matter: Matter, uploads: list[Upload], meeting: Meeting | None = None) -> None:
    now = timezone.now()
    Attachment.objects.bulk_create(
        Attachment(
            matter=matter,
            meeting=meeting,
            name=u.name[:200],
            content_type=content_type_of(u.content) or "application/octet-stream",
            data=u.content,
            size=len(u.content),
            at=now,
        )
        for u in uploads
    )


@transaction.atomic
def attachment_add(*, matter: Matter, uploads: list[Upload], by: Actor) -> int:
    """Evidence sent with or after a matter (the resident on the portal, or staff)."""
    if not isinstance(by, Resident):
        permissions.ensure(by, Capability.HANDLE_PETITIONS, matter.area_id)
    check_uploads(uploads)
    _store(matter, uploads)
    record(by=by, action="petitions.attachment_add", obj=matter, after={"files": [u.name for u in uploads]})
    return len(uploads)
