"""How the web import's work runs: reading the upload in a memory-limited child, and the check and the
commit as durable background jobs (``jisheng.core.jobs``) run by ``jisheng worker``.

- ``read_upload`` parses the stored file once, in a child process limited to
  ``REGISTRY_IMPORT_MEMORY_MB`` more memory: a hostile spreadsheet fails its upload with a clear reason
  and cannot take the web worker down. What it read is kept beside the upload (``cells.jsonl``,
  ``columns.json``) for the check and the commit.
- ``launch`` queues a check or a commit (or runs it in the request when ``REGISTRY_IMPORT_SYNC`` is
  set, as the tests do); the job's id is kept beside the upload (``.task``) for the page and for cancel.
- A job whose worker died is run again by the next worker (the engine is idempotent: rows already
  written come back unchanged); after the allowed attempts the import is failed with the reason.
- ``cancel`` stops a queued job at once and a running one at its next progress report.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import TaskContext, task

from jisheng.core import jobs
from jisheng.core.limits import ChildFailed, run_limited
from jisheng.core.sealed_files import sealed_output

from ..models import ImportJob
from ..services import import_job_progress, import_job_update
from .engine import file_sha256, preview, run_import
from .reader import UnreadableFile
from .refused import write_refused_rows

TASK_PATH = "jisheng.registry.imports.jobs.import_task"


def beside(stored: Path, what: str) -> Path:
    return stored.with_name(f"{stored.name}.{what}")


def memory_mb() -> int:
    return int(getattr(settings, "REGISTRY_IMPORT_MEMORY_MB", 1024))


def _read_in_child(path: str, kind: str) -> dict[str, Any]:
    stored = Path(path)
    table, mapping = preview(stored, kind, keep=beside(stored, "cells.jsonl"))
    return {"headers": table.headers, "labels": table.labels, "mapping": mapping, "rows": len(table.rows)}


def read_upload(job: ImportJob, stored: Path) -> tuple[str, int]:
    """Parse the upload in a memory-limited child; on success the job has its mapping and row count.
    Returns (the reason it could not be read — "" when it was read, the child's peak memory in bytes)."""
    try:
        outcome = run_limited(_read_in_child, memory_mb=memory_mb(), path=str(stored), kind=job.kind)
    except UnreadableFile as problem:
        reason = str(problem)
    except ChildFailed as failure:
        reason = (
            _("The file needs more memory to read than an import may use (%(mb)s MB); it was not read.")
            % {"mb": memory_mb()}
            if str(failure) == "memory"
            else _("Reading the file did not finish; it was not read.")
        )
    except Exception:  # any unreadable file: say so instead of failing the page
        reason = _("The file could not be read as .xlsx or .csv.")
    else:
        read = outcome.value
        beside(stored, "columns.json").write_text(
            json.dumps({"headers": read["headers"], "labels": read["labels"]}, ensure_ascii=False),
            encoding="utf-8",
        )
        import_job_update(
            job=job,
            stored_path=str(stored),
            sha256=file_sha256(stored),
            mapping=read["mapping"],
            total_rows=read["rows"],
        )
        return "", outcome.peak_rss_bytes
    import_job_update(job=job, stored_path=str(stored), status=ImportJob.Status.FAILED, message=reason[:255])
    return reason, 0


def task_id_of(job: ImportJob) -> str:
    if not job.stored_path:
        return ""
    try:
        return beside(Path(job.stored_path), "task").read_text(encoding="ascii").strip()
    except OSError:
        return ""


def launch(job: ImportJob, *, user_pk: int, dry_run: bool) -> None:
    """Queue the check (dry_run) or the commit of a job already set to CHECKING or IMPORTING."""
    if getattr(settings, "REGISTRY_IMPORT_SYNC", False):  # tests: run in the request
        run_job(job.pk, user_pk, dry_run)
        return
    result = import_task.enqueue(job.pk, user_pk, dry_run, translation.get_language() or "zh-hans")
    beside(Path(job.stored_path), "task").write_text(str(result.id), encoding="ascii")


def cancel(job: ImportJob, *, by: Any) -> bool:
    """Ask the job's check or commit to stop; True when it was running or queued."""
    if job.status not in (ImportJob.Status.CHECKING, ImportJob.Status.IMPORTING):
        return False
    task_id = task_id_of(job)
    name = _name_of(by)
    state = jobs.cancel(task_id, asked_by=name) if task_id else ""
    if state in (jobs.FAILED, ""):  # it never ran (or has no job): the import ends now
        import_job_update(job=job, status=ImportJob.Status.FAILED, message=_cancelled_message(name)[:255])
    return True


def _name_of(by: Any) -> str:
    full = getattr(by, "get_full_name", None)
    return (full() if callable(full) else "") or str(getattr(by, "username", "") or by)


def _cancelled_message(name: str) -> str:
    return _("Cancelled by %(name)s; parts already committed stay written.") % {"name": name}


@task(takes_context=True)
def import_task(context: TaskContext, job_pk: int, user_pk: int, dry_run: bool, language: str) -> str:
    """The queued check or commit of one import (its path is TASK_PATH)."""
    with translation.override(language):
        run_job(job_pk, user_pk, dry_run, task_id=str(context.task_result.id))
    return "ok"


def run_job(job_pk: int, user_pk: int, dry_run: bool, *, task_id: str | None = None) -> None:
    from jisheng.accounts.models import User
    from jisheng.areas.models import Level

    job = ImportJob.objects.get(pk=job_pk)
    user = User.objects.select_related("area").get(pk=user_pk)
    village = user.area if user.area and user.area.level == Level.VILLAGE else None

    def progress(done: int, total: int) -> None:
        asked_by = jobs.cancel_requested(task_id)
        if asked_by is not None:
            raise jobs.JobCancelled(asked_by)
        import_job_progress(job=job, done=done, total=total)

    progress(0, job.total_rows)  # not the last run's figures
    stored = Path(job.stored_path)
    try:
        result = run_import(
            path=stored,
            kind=job.kind,
            by=user,
            mapping=job.mapping,
            default_village=village,
            dry_run=dry_run,
            all_or_nothing=job.all_or_nothing,
            file_name=job.file_name,
            progress=progress,
            parsed=beside(stored, "cells.jsonl"),  # read at upload, not again
        )
        with sealed_output(beside(stored, "refused.xlsx")) as scratch:  # sealed at rest, as the upload
            write_refused_rows(result, scratch)
        beside(stored, "warnings.json").write_text(
            json.dumps([str(warning) for warning in result.warnings[:5000]], ensure_ascii=False),
            encoding="utf-8",
        )
        status = ImportJob.Status.DONE if result.written else ImportJob.Status.CHECKED
        import_job_update(
            job=job,
            status=status,
            done_rows=result.total,
            total_rows=result.total,
            created_count=result.created,
            updated_count=result.updated,
            unchanged_count=result.unchanged,
            error_count=len({e.row for e in result.errors}),
            errors=[str(e) for e in result.errors[:5000]],
            message=result.summary(),
        )
    except jobs.JobCancelled as cancelled:
        jobs.forget_cancel(task_id)
        import_job_update(
            job=job, status=ImportJob.Status.FAILED, message=_cancelled_message(str(cancelled))[:255]
        )
    except Exception as exc:  # a broken file must end the job visibly, not leave it "checking"
        import_job_update(job=job, status=ImportJob.Status.FAILED, message=str(exc)[:250])


@jobs.on_abandoned(TASK_PATH)
def _abandoned(args: list[Any], kwargs: dict[str, Any], reason: str) -> None:
    job = ImportJob.objects.filter(pk=int(args[0] if args else kwargs["job_pk"])).first()
    if job is not None and job.status in (ImportJob.Status.CHECKING, ImportJob.Status.IMPORTING):
        import_job_update(job=job, status=ImportJob.Status.FAILED, message=reason[:255])
