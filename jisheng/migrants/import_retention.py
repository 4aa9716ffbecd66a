"""The retention sweep of the moves' import files (``MEDIA_ROOT/migrant-imports``), declared on the
app's AppConfig for ``jisheng uploads-sweep`` (see ``jisheng.core.upload_retention``): an import
written, refused or failed whose files were last touched more than the retention ago loses them; a
queued or running one never does. Files no import references go once older than the retention."""

from __future__ import annotations

import datetime
from pathlib import Path

from django.conf import settings

from jisheng.core import jobs as jobs_queue
from jisheng.core.actor import System
from jisheng.core.upload_retention import NO_JOB, belongs_to, cutoff_of, files_by_job, older_than

from .models import MoveImport
from .services.imports import move_import_files_remove, move_import_orphans_remove

SWEEP = System(job="upload retention")
ENDED = (MoveImport.Status.DONE, MoveImport.Status.REFUSED, MoveImport.Status.FAILED)


def folder() -> Path:
    return Path(settings.MEDIA_ROOT) / "migrant-imports"


def sweep(*, days: int, now: datetime.datetime) -> dict[str, int]:
    cutoff = cutoff_of(days, now)
    groups = files_by_job(folder())
    numbers = [int(number) for number in groups if number != NO_JOB]
    jobs: dict[str, MoveImport] = {}
    for start in range(0, len(numbers), 500):
        chunk = numbers[start : start + 500]
        jobs.update((str(job.pk), job) for job in MoveImport.objects.filter(pk__in=chunk))
    removed_jobs = 0
    orphans: list[Path] = []
    for number, files in groups.items():
        job = jobs.get(number)
        owned = [path for path in files if job is not None and belongs_to(path, job.stored_path)]
        orphans.extend(path for path in files if path not in owned and older_than([path], cutoff))
        if job is None or not owned or job.status not in ENDED or not older_than(owned, cutoff):
            continue
        if jobs_queue.status_of(job.task_id) in (jobs_queue.READY, jobs_queue.RUNNING):
            continue
        move_import_files_remove(job=job, files=owned, retention_days=days, by=SWEEP)
        removed_jobs += 1
    if orphans:
        move_import_orphans_remove(files=orphans, retention_days=days, by=SWEEP)
    return {"moves imports": removed_jobs, "moves stray files": len(orphans)}
