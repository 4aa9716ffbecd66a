"""The web import's job record: created on upload (audited), then its own bookkeeping."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from jisheng.accounts.models import acting_user
from jisheng.audit.services import record
from jisheng.core.actor import Actor
from jisheng.core.upload_retention import remove_files

from ..models import ImportJob
from ..validation import (
    clean_text,
)


@transaction.atomic(durable=True)
def import_job_create(*, kind: str, file_name: str, by: Actor) -> ImportJob:
    """An uploaded file waiting for its column mapping (the web import); audited as an upload.
    Outermost."""
    user = acting_user(by)
    if user.area is None:
        raise PermissionDenied(_("This is outside your area."))
    job = ImportJob.objects.create(
        kind=kind, file_name=clean_text(file_name)[:255], area=user.area, created_by=user
    )
    record(by=by, action="registry.import_upload", obj=job, after={"kind": kind, "file": job.file_name})
    return job


def import_job_update(*, job: ImportJob, **fields: Any) -> ImportJob:
    """Bookkeeping of the import's own progress (mapping, counts, status): not registry data, so not
    audited; the rows it writes are audited by ``import_writer`` with the file's SHA-256."""
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=list(fields))
    return job


def import_job_progress(*, job: ImportJob, done: int, total: int) -> None:
    """Progress goes to a file beside the upload, not to the database: the import writes inside one
    transaction, so a row updated there would stay invisible to the page polling it until the end
    (and on SQLite no other connection may write meanwhile). Written beside and renamed into place, so
    a page (or a test) reading it never finds it truncated and empty between the open and the write."""
    target = job.progress_path
    partial = target.with_name(f"{target.name}.{os.getpid()}.part")
    partial.write_text(f"{done} {total}", encoding="ascii")
    os.replace(partial, target)


@transaction.atomic(durable=True)
def import_files_remove(*, job: ImportJob, files: list[Path], retention_days: int, by: Actor) -> list[str]:
    """Remove an import's upload and every file kept beside it (the cells read, the refused rows, …)
    once the retention has passed since it ended, or since it was left waiting (uploaded or checked and
    never imported: it is then failed, saying so); audited, the removal failing with the event. The
    job's row, its counts and its refusals stay. Outermost."""
    after: dict[str, Any] = {"retention_days": retention_days, "files": sorted(path.name for path in files)}
    if job.status in (ImportJob.Status.UPLOADED, ImportJob.Status.CHECKED):
        after["abandoned"] = job.status
        message = _(
            "The file waited more than %(days)s days without being imported and was removed; upload it "
            "again to import it."
        ) % {"days": retention_days}
        import_job_update(job=job, status=ImportJob.Status.FAILED, message=message[:255])
    record(by=by, action="registry.import_files_remove", obj=job, after=after)
    return remove_files(files)


@transaction.atomic(durable=True)
def import_orphans_remove(*, files: list[Path], retention_days: int, by: Actor) -> list[str]:
    """Remove files of the import folder that no import references (left by a crash between the
    upload and its job's record) once older than the retention; one audited event. Outermost."""
    record(
        by=by,
        action="registry.import_orphans_remove",
        object_type="registry.importjob",
        object_id="",
        object_repr=f"{len(files)}",
        after={"retention_days": retention_days, "files": sorted(path.name for path in files)},
        area_code="",
    )
    return remove_files(files)
