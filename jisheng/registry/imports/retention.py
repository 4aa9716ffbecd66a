"""The retention sweep of the web import's files (``MEDIA_ROOT/imports``), declared on the app's
AppConfig for ``jisheng uploads-sweep`` (see ``jisheng.core.upload_retention``).

An import that is done or failed (a cancelled one is failed) and whose files were last touched more
than the retention ago loses its upload and everything kept beside it; so does one uploaded or checked
and then left waiting that long (it is failed, saying why); a job checking or importing, or whose
check or commit is queued or running, is never touched. Files no import references go once older than
the retention.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from django.conf import settings

from jisheng.core.upload_retention import SWEEP, expired, queued_or_running

from ..models import ImportJob
from ..services.import_jobs import import_files_remove, import_orphans_remove

ENDED = (ImportJob.Status.DONE, ImportJob.Status.FAILED)
WAITING = (ImportJob.Status.UPLOADED, ImportJob.Status.CHECKED)  # on the user: nothing runs


def folder() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def files_removed(job: ImportJob) -> bool:
    """Whether the retention removed this ended import's files (the page then says so)."""
    return job.status in ENDED and bool(job.stored_path) and not Path(job.stored_path).exists()


def _busy(job: ImportJob, files: list[Path]) -> bool:
    """Whether the check or commit whose task the job's ``.task`` file names is queued or running."""
    task = next((p for p in files if p.name == f"{Path(job.stored_path).name}.task"), None)
    if task is None:
        return False
    try:
        task_id = task.read_text(encoding="ascii").strip()
    except OSError:
        return False
    return queued_or_running(task_id)


def sweep(*, days: int, now: datetime.datetime) -> dict[str, int]:
    found = expired(
        folder=folder(), job_model=ImportJob, removable=ENDED + WAITING, busy=_busy, days=days, now=now
    )
    for job, files in found.jobs:
        import_files_remove(job=job, files=files, retention_days=days, by=SWEEP)
    if found.strays:
        import_orphans_remove(files=found.strays, retention_days=days, by=SWEEP)
    return {"registry imports": len(found.jobs), "registry stray files": len(found.strays)}
