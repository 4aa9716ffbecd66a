"""Retention of import uploads: an import's spreadsheet and what was kept beside it (the cells read,
the columns, the warnings, the refused rows, its progress) are removed once the import has ended and
``JISHENG_UPLOAD_RETENTION_DAYS`` (30 by default) have passed since the job last touched them.

``jisheng uploads-sweep`` (run daily by the scheduler) calls the sweep each app declares on its
AppConfig as ``upload_sweeps = ["dotted.path.to.sweep"]``: ``sweep(*, days, now) -> {what: count}``.
Each app removes its own jobs' files through its audited services; the walk is this module's
``expired``: the folder's files grouped by the job number their names begin with
(``files_by_job``), the jobs looked up 500 at a time, each job's own files (its upload and what was
kept beside it) told from strays; a job's files go when it has ended, they were last touched before the
cutoff and nothing of it is queued or running; strays (left by a crash, or naming no job) go once older
than the period. An app's sweep declares its job model, ended statuses and folder, and removes what
the walk found through its two audited services.
"""

from __future__ import annotations

import datetime
import os
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Model
from django.utils import timezone

from jisheng.core import jobs as jobs_queue
from jisheng.core.actor import System

DEFAULT_DAYS = 30
SWEEP = System(job="upload retention")  # the actor of every removal the sweeps make
LOOKUP_CHUNK = 500  # job numbers looked up per query
NO_JOB = ""  # the group of files whose names begin with no job number (partial writes, strays)


def retention_days() -> int:
    """The days an ended import's files are kept: the setting, else the environment, else 30."""
    value = getattr(settings, "JISHENG_UPLOAD_RETENTION_DAYS", None)
    days = int(value if value is not None else os.environ.get("JISHENG_UPLOAD_RETENTION_DAYS", DEFAULT_DAYS))
    if days < 1:
        raise ValueError(f"JISHENG_UPLOAD_RETENTION_DAYS={days}: 上传文件至少保留 1 天。")
    return days


def job_number(name: str) -> str:
    """``12.xlsx.cells.jsonl`` → ``12``; a hidden or stray name → ``NO_JOB``."""
    head = name.split(".", 1)[0]
    return head if head.isdigit() and not name.startswith(".") else NO_JOB


def files_by_job(folder: Path) -> dict[str, list[Path]]:
    """The files directly in ``folder``, grouped by the job number their names begin with."""
    groups: dict[str, list[Path]] = defaultdict(list)
    if not folder.is_dir():
        return {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and not path.is_symlink():
            groups[job_number(path.name)].append(path)
    return dict(groups)


def belongs_to(path: Path, stored_path: str) -> bool:
    """Whether ``path`` is the job's upload or a file kept beside it (``<upload>.<what>``)."""
    if not stored_path:
        return False
    stored = Path(stored_path)
    return path.parent.resolve() == stored.parent.resolve() and (
        path.name == stored.name or path.name.startswith(f"{stored.name}.")
    )


def last_touched(paths: Iterable[Path]) -> datetime.datetime | None:
    """The latest modification time of the files (the job's last activity), aware; None for none."""
    times = []
    for path in paths:
        try:
            times.append(path.stat().st_mtime)
        except OSError:
            continue
    if not times:
        return None
    return datetime.datetime.fromtimestamp(max(times), tz=datetime.UTC)


def older_than(paths: Iterable[Path], cutoff: datetime.datetime) -> bool:
    touched = last_touched(paths)
    return touched is not None and touched < cutoff


def cutoff_of(days: int, now: datetime.datetime | None = None) -> datetime.datetime:
    return (now or timezone.now()) - datetime.timedelta(days=days)


def remove_files(paths: Iterable[Path]) -> list[str]:
    """Unlink the files; the names of those removed (one already gone is skipped)."""
    removed = []
    for path in paths:
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        removed.append(path.name)
    return removed


def queued_or_running(task_id: str) -> bool:
    """Whether the worker's task ``task_id`` waits in the queue or runs now."""
    return jobs_queue.status_of(task_id) in (jobs_queue.READY, jobs_queue.RUNNING)


@dataclass(frozen=True, slots=True)
class Expired:
    """What a sweep removes: each job's own files (``jobs``, (job, files) pairs) and the strays."""

    jobs: list[tuple[Any, list[Path]]] = field(default_factory=list)
    strays: list[Path] = field(default_factory=list)


def expired(
    *,
    folder: Path,
    job_model: type[Model],
    removable: Collection[str],
    busy: Callable[[Any, list[Path]], bool],
    days: int,
    now: datetime.datetime,
) -> Expired:
    """The walk every sweep makes of ``folder``: the files of each job of ``job_model`` whose status is
    in ``removable``, last touched more than ``days`` before ``now`` and not ``busy(job, its files)``;
    and the files no job owns that are older than that. The app's sweep then removes them through its
    own audited services (called by name, never handed here: they open transactions of their own),
    one call a job and one for all the strays, ``by=SWEEP``."""
    cutoff = cutoff_of(days, now)
    groups = files_by_job(folder)
    numbers = [int(number) for number in groups if number != NO_JOB]
    jobs: dict[str, Any] = {}
    for start in range(0, len(numbers), LOOKUP_CHUNK):
        chunk = numbers[start : start + LOOKUP_CHUNK]
        jobs.update((str(job.pk), job) for job in job_model._default_manager.filter(pk__in=chunk))
    found = Expired()
    for number, files in groups.items():
        job = jobs.get(number)
        owned = [path for path in files if job is not None and belongs_to(path, job.stored_path)]
        found.strays.extend(path for path in files if path not in owned and older_than([path], cutoff))
        if job is None or not owned or job.status not in removable or not older_than(owned, cutoff):
            continue
        if busy(job, owned):
            continue
        found.jobs.append((job, owned))
    return found
