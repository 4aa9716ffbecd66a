"""Helpers shared by the hall's services: files, events, the office of an area (who may act is asked of
``accounts.permissions``)."""

from __future__ import annotations

import mimetypes
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.areas.models import Area
from jisheng.core.kept_statements import KeptStatements

from ..models import Application, CaseEvent, SubmittedFile

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Magic numbers, not the file name: a phone photo or a scanned PDF is all the portal accepts.
SIGNATURES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png", b"%PDF-": "application/pdf"}


@dataclass(frozen=True)
class Upload:
    """A material file as received from a form or the API."""

    material_code: str
    name: str
    content: bytes


def office_of(area: Area) -> Area:
    """The township (its service hall) an area belongs to."""
    return township_of(area.code)


def township_of(area_code: str) -> Area:
    """The township (its service hall) of the area with this code (as ``Area.objects.get(code=…)``,
    through a statement compiled once and kept, the township's code bound)."""
    code = area_code[:9] + "000"
    found = _areas.objects(
        ("township",),
        lambda key: Area.objects.filter(code=key)[:2],
        code,
        using=Area.objects.db,
        placeholder=_CODE,
    )
    if not found:
        raise Area.DoesNotExist("Area matching query does not exist.")
    if len(found) > 1:
        raise Area.MultipleObjectsReturned(f"get() returned more than one Area -- it returned {len(found)}!")
    return found[0]  # type: ignore[no-any-return]


_areas = KeptStatements(bound=8)
# Stands for an area's code in a kept statement; no area has it.
_CODE = "kept-area-code"


def content_type_of(content: bytes) -> str | None:
    for magic, kind in SIGNATURES.items():
        if content.startswith(magic):
            return kind
    return None


def check_uploads(uploads: list[Upload], valid_codes: set[str]) -> None:
    errors = []
    for index, upload in enumerate(uploads, start=1):
        if upload.material_code not in valid_codes:
            errors.append(
                _("File %(index)s, “material”: this service item has no material “%(code)s”")
                % {"index": index, "code": upload.material_code}
            )
        if len(upload.content) > MAX_UPLOAD_BYTES:
            errors.append(
                _("File %(index)s “%(name)s”: larger than 10 MB") % {"index": index, "name": upload.name}
            )
        if content_type_of(upload.content) is None:
            errors.append(
                _("File %(index)s “%(name)s”: only JPG or PNG photos and PDF files are accepted")
                % {"index": index, "name": upload.name}
            )
    if errors:
        raise ValidationError(errors)


def store_uploads(application: Application, uploads: list[Upload]) -> list[SubmittedFile]:
    """Rows now; the bytes are written once the transaction commits (no orphan rows, no half cases)."""
    now = timezone.now()
    rows = []
    for upload in uploads:
        kind = content_type_of(upload.content) or "application/octet-stream"
        extension = mimetypes.guess_extension(kind) or ".bin"
        path = f"hall/{now:%Y/%m}/{uuid.uuid4().hex}{extension}"
        rows.append(
            SubmittedFile.objects.create(
                application=application,
                material_code=upload.material_code,
                file=path,
                original_name=upload.name[:128],
                content_type=kind,
                size=len(upload.content),
                submitted_at=now,
            )
        )
        transaction.on_commit(_writer(path, upload.content))
    return rows


def _writer(path: str, content: bytes) -> Callable[[], None]:
    def write() -> None:
        default_storage.save(path, ContentFile(content))

    return write


def event(application: Application, text: str) -> None:
    """A line of the case's history. Every transition writes one inside its transaction (on SQLite while
    it holds the one writer's turn): an insert by SQL written once per database, not the ORM's save,
    whose building was most of its time."""
    connection = transaction.get_connection(router.db_for_write(CaseEvent))
    sql = _event_sql.get(connection.alias)
    if sql is None:
        quote = connection.ops.quote_name
        sql = _event_sql[connection.alias] = (
            f"INSERT INTO {quote(CaseEvent._meta.db_table)} "
            f"({quote('application_id')}, {quote('at')}, {quote('text')}) VALUES (%s, %s, %s)"
        )
    at = CaseEvent._meta.get_field("at").get_db_prep_save(timezone.now(), connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [application.pk, at, text[:300]])


_event_sql: dict[str, str] = {}
