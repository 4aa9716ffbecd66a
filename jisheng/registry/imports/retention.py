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

from jisheng.core import jobs as jobs_queue
from jisheng.core.actor import System
from jisheng.core.upload_retention import NO_JOB, belongs_to, cutoff_of, files_by_job, older_than

from ..models import ImportJob
from ..services.import_jobs import import_files_remove, import_orphans_remove

SWEEP = System(job="upload retention")
ENDED = (ImportJob.Status.DONE, ImportJob.Status.FAILED)
WAITING = (ImportJob.Status.UPLOADED, ImportJob.Status.CHECKED)  # on the user: nothing runs


def folder() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def files_removed(job: ImportJob) -> bool:
    """Whether the retention removed this ended import's files (the page then says so)."""
    return job.status in ENDED and bool(job.stored_path) and not Path(job.stored_path).exists()


def _busy(job: ImportJob, files: list[Path]) -> bool:
    task = next((p for p in files if p.name == f"{Path(job.stored_path).name}.task"), None)
    if task is None:
        return False
    try:
        task_id = task.read_text(encoding="ascii").strip()
    except OSError:
        return False
    return jobs_queue.status_of(task_id) in (jobs_queue.READY, jobs_queue.RUNNING)


def sweep(*, days: int, now: datetime.datetime) -> dict[str, int]:
    cutoff = cutoff_of(days, now)
    groups = files_by_job(folder())
    numbers = [int(number) for number in groups if number != NO_JOB]
    jobs: dict[str, ImportJob] = {}
    for start in range(0, len(numbers), 500):
        jobs.update(
            (str(job.pk), job) for job in ImportJob.objects.filter(pk__in=numbers[start : start + 500])
        )
    removed_jobs = 0
    orphans: list[Path] = []
    for number, files in groups.items():
        job = jobs.get(number)
        owned = [path for path in files if job is not None and belongs_to(path, job.stored_path)]
        orphans.extend(path for path in files if path not in owned and older_than([path], cutoff))
        if job is None or not owned or job.status not in ENDED + WAITING or not older_than(owned, cutoff):
            continue
        if _busy(job, owned):
            continue
        import_files_remove(job=job, files=owned, retention_days=days, by=SWEEP)
        removed_jobs += 1
    if orphans:
        import_orphans_remove(files=orphans, retention_days=days, by=SWEEP)
    return {"registry imports": removed_jobs, "registry stray files": len(orphans)}
