"""The retention sweep of the moves' import files (``MEDIA_ROOT/migrant-imports``), declared on the
app's AppConfig for ``jisheng uploads-sweep`` (see ``jisheng.core.upload_retention``): an import
written, refused or failed whose files were last touched more than the retention ago loses them; a
queued or running one never does. Files no import references go once older than the retention."""

from __future__ import annotations

import datetime
from pathlib import Path

from django.conf import settings

from jisheng.core.upload_retention import SWEEP, expired, queued_or_running

from .models import MoveImport
from .services.imports import move_import_files_remove, move_import_orphans_remove

ENDED = (MoveImport.Status.DONE, MoveImport.Status.REFUSED, MoveImport.Status.FAILED)


def folder() -> Path:
    return Path(settings.MEDIA_ROOT) / "migrant-imports"


def sweep(*, days: int, now: datetime.datetime) -> dict[str, int]:
    found = expired(
        folder=folder(),
        job_model=MoveImport,
        removable=ENDED,
        busy=lambda job, _files: queued_or_running(job.task_id),
        days=days,
        now=now,
    )
    for job, files in found.jobs:
        move_import_files_remove(job=job, files=files, retention_days=days, by=SWEEP)
    if found.strays:
        move_import_orphans_remove(files=found.strays, retention_days=days, by=SWEEP)
    return {"moves imports": len(found.jobs), "moves stray files": len(found.strays)}
