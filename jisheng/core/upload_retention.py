"""Retention of import uploads: an import's spreadsheet and what was kept beside it (the cells read,
the columns, the warnings, the refused rows, its progress) are removed once the import has ended and
``JISHENG_UPLOAD_RETENTION_DAYS`` (30 by default) have passed since the job last touched them.

``jisheng uploads-sweep`` (run daily by the scheduler) calls the sweep each app declares on its
AppConfig as ``upload_sweeps = ["dotted.path.to.sweep"]``: ``sweep(*, days, now) -> {what: count}``.
Each app removes its own jobs' files through its audited services, with this module's help to find
them: ``files_by_job`` groups a folder's files by the job number their names begin with; files no job
references (left by a crash) are ``orphans`` once older than the period.
"""

from __future__ import annotations

import datetime
import os
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.utils import timezone

DEFAULT_DAYS = 30
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
