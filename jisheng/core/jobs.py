"""Durable background jobs: django-tasks (the backport of Django 6's ``django.tasks``) with the queue in
the database (django-tasks-db), run by ``jisheng worker`` which ``jisheng serve`` starts.

Why this library: it is the interface Django itself ships from 6.0 (moving up is an import change), the
queue is an ordinary table in Jisheng's own database (SQLite or PostgreSQL, backed up with the data,
no broker to run), and both packages are maintained by a Django core developer. huey needs a separate
SQLite file or Redis beside PostgreSQL; django-q2 runs a cluster of its own processes.

What the library lacks is added here:

- **Resume after a kill.** A job whose worker died stays ``RUNNING`` in the library's table. Every
  worker, when it starts and then every ``SWEEP_SECONDS``, looks for such jobs (the worker named on the
  job is gone: its process on this host is not alive, or, on another host, it has run longer than
  ``JISHENG_JOB_MAX_SECONDS``). A job that has been tried fewer than ``JISHENG_JOB_ATTEMPTS`` times is
  put back in the queue; after that it is failed, and the handler its task registered with
  ``on_abandoned`` records the reason (in Chinese) on the domain's own record, so nothing is left
  "running".
- **Cancel.** ``cancel(task_id)`` takes a queued job out of the queue at once; a running one sees
  ``cancel_requested`` (the job checks it between parts) and stops with ``JobCancelled``.

A job's work must be safe to run again from the start (rows already written come back unchanged), since
a kill may come at any point.

``checkpoint(task_id, name)`` is what a job calls between (or inside) its parts: it stops a job whose
cancellation was asked for, and writes the part reached to ``<data>/jobs/progress/<task_id>`` (outside
any transaction, so it is seen while the part's transaction is still open). A fault test starts a worker
with ``JISHENG_JOB_PAUSE_AT=<name>``: the job then waits there ``JISHENG_JOB_PAUSE_SECONDS`` (default 60)
so the test can kill the worker at exactly that point.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

logger = logging.getLogger("jisheng.jobs")

READY, RUNNING, FAILED, SUCCESSFUL = "READY", "RUNNING", "FAILED", "SUCCESSFUL"
SWEEP_SECONDS = 30

# task path → what to do when a job of that task is given up (worker died too often, or cancelled
# before it ran): handler(args, kwargs, reason)
_ABANDONED: dict[str, Callable[[list[Any], dict[str, Any], str], None]] = {}


class JobCancelled(Exception):
    """Raised inside a running job whose cancellation was asked for."""


class WorkerDied(Exception):
    """Stored as the failure of a job whose worker died more often than it may be tried."""


def attempts() -> int:
    return int(getattr(settings, "JISHENG_JOB_ATTEMPTS", 2))


def max_seconds() -> int:
    return int(getattr(settings, "JISHENG_JOB_MAX_SECONDS", 6 * 3600))


def on_abandoned(
    task_path: str,
) -> Callable[
    [Callable[[list[Any], dict[str, Any], str], None]], Callable[[list[Any], dict[str, Any], str], None]
]:
    """Register what marks the domain's record failed when a job of ``task_path`` is given up."""

    def register(
        handler: Callable[[list[Any], dict[str, Any], str], None],
    ) -> Callable[[list[Any], dict[str, Any], str], None]:
        _ABANDONED[task_path] = handler
        return handler

    return register


def this_worker_id() -> str:
    """host:pid — what the recovery sweep checks to know whether a job's worker is still alive."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


def _worker_alive(worker_id: str, started_at: datetime.datetime | None) -> bool:
    host, _, pid_text = worker_id.rpartition(":")
    if host == socket.gethostname()[:40] and pid_text.isdigit():
        pid = int(pid_text)
        if pid == os.getpid():
            return True
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        # A live process with that number: is it still a worker (and not a number reused)?
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return True
        return b"worker" in command
    if started_at is None:
        return True
    return timezone.now() - started_at < datetime.timedelta(seconds=max_seconds())


def recover() -> list[str]:
    """Requeue or fail the jobs whose worker died; returns the ids acted on. See the module's docstring."""
    acted: list[str] = []
    for candidate in DBTaskResult.objects.filter(status=RUNNING).only("id", "worker_ids", "started_at"):
        last = candidate.worker_ids[-1] if candidate.worker_ids else ""
        if _worker_alive(last, candidate.started_at):
            continue
        with exclusive_transaction(DBTaskResult.objects.db):
            job = DBTaskResult.objects.select_for_update().filter(pk=candidate.pk, status=RUNNING).first()
            if job is None or job.worker_ids != candidate.worker_ids:
                continue
            if len(job.worker_ids) < attempts():
                logger.warning("job %s: its worker %s died; queued again", job.pk, last)
                job.status = READY
                job.started_at = None
                job.save(update_fields=["status", "started_at"])
                acted.append(str(job.pk))
                continue
            job.set_failed(WorkerDied(f"worker {last} died; tried {len(job.worker_ids)} times"))
        _call_abandoned(job, _reason_worker_died(len(job.worker_ids)))
        acted.append(str(job.pk))
    return acted


def _reason_worker_died(tries: int) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _(
            "The background worker stopped (the server was restarted or the process was ended) and the "
            "work did not finish in %(tries)s attempts, so it was ended. Parts already committed stay "
            "written; check the file again before importing (rows already imported count as unchanged)."
        ) % {"tries": tries}


def _call_abandoned(job: DBTaskResult, reason: str) -> None:
    if job.task_path not in _ABANDONED:
        with contextlib.suppress(ImportError):
            import_string(job.task_path)  # importing the task's module registers its handler
    handler = _ABANDONED.get(job.task_path)
    if handler is None:
        return
    try:
        handler(list(job.args_kwargs.get("args", [])), dict(job.args_kwargs.get("kwargs", {})), reason)
    except Exception:  # the job is failed in the queue either way; the domain record is best effort
        logger.exception("job %s: marking its record failed did not work", job.pk)


def _cancel_flag(task_id: str) -> Path:
    return Path(settings.DATA_DIR) / "jobs" / "cancel" / str(task_id)


def cancel(task_id: str, *, asked_by: str = "") -> str:
    """Ask a job to stop. Returns its status after the request: FAILED when it was still queued (taken
    out of the queue at once), RUNNING when the job will stop at its next check, or the finished status."""
    with exclusive_transaction(DBTaskResult.objects.db):
        job = DBTaskResult.objects.select_for_update().filter(pk=task_id).first()
        if job is None:
            return ""
        if job.status == READY:
            job.set_failed(JobCancelled("cancelled before it ran"))
            return FAILED
        if job.status != RUNNING:
            return str(job.status)
    flag = _cancel_flag(task_id)
    flag.parent.mkdir(parents=True, exist_ok=True)
    flag.write_text(asked_by, encoding="utf-8")
    return RUNNING


def cancel_requested(task_id: str | None) -> str | None:
    """None, or who asked the running job to stop (their name, or "")."""
    if not task_id:
        return None
    try:
        return _cancel_flag(str(task_id)).read_text(encoding="utf-8")
    except OSError:
        return None


def forget_cancel(task_id: str | None) -> None:
    if task_id:
        with contextlib.suppress(OSError):
            _cancel_flag(str(task_id)).unlink()


def status_of(task_id: str | None) -> str:
    """READY, RUNNING, FAILED, SUCCESSFUL, or "" when there is no such job."""
    if not task_id:
        return ""
    value = DBTaskResult.objects.filter(pk=task_id).values_list("status", flat=True).first()
    return str(value or "")


def _progress_file(task_id: str) -> Path:
    return Path(settings.DATA_DIR) / "jobs" / "progress" / str(task_id)


def _count_file(task_id: str) -> Path:
    return Path(settings.DATA_DIR) / "jobs" / "progress" / f"{task_id}.count"


# What a job counts as it goes: the unit's words for the page ("第 3/12 个村").
UNITS: dict[str, Callable[[int, int], str]] = {
    "areas": lambda done, total: _("Area %(done)s of %(total)s") % {"done": done, "total": total},
    "lines": lambda done, total: _("%(done)s of %(total)s lines written") % {"done": done, "total": total},
    "payments": lambda done, total: (
        _("%(done)s of %(total)s payments written") % {"done": done, "total": total}
    ),
    "messages": lambda done, total: _("%(done)s of %(total)s messages sent") % {"done": done, "total": total},
    "rows": lambda done, total: _("%(done)s of %(total)s rows read") % {"done": done, "total": total},
    "steps": lambda done, total: _("Step %(done)s of %(total)s") % {"done": done, "total": total},
}


def checkpoint(
    task_id: str | None, name: str, *, done: int | None = None, total: int | None = None, unit: str = ""
) -> None:
    """A job reached the point ``name``: raise JobCancelled when its cancellation was asked for, note the
    point for the page and the fault tests, and wait there when a fault test asked for it (see the
    module's docstring). A counted point (``done`` of ``total`` ``unit``, a key of UNITS) is what the
    job's page shows while it runs."""
    if not task_id:
        return
    asked_by = cancel_requested(task_id)
    if asked_by is not None:
        raise JobCancelled(asked_by)
    path = _progress_file(task_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(name, encoding="utf-8")
    if done is not None and total is not None and unit in UNITS:
        _count_file(task_id).write_text(f"{unit} {int(done)} {int(total)}", encoding="utf-8")
    if name and os.environ.get("JISHENG_JOB_PAUSE_AT") == name:
        time.sleep(float(os.environ.get("JISHENG_JOB_PAUSE_SECONDS", "60")))


def reached(task_id: str | None) -> str:
    """The last point ``checkpoint`` noted for the job, or ""."""
    if not task_id:
        return ""
    try:
        return _progress_file(str(task_id)).read_text(encoding="utf-8")
    except OSError:
        return ""


def progress_text(task_id: str | None) -> str:
    """The last counted point of the job in words ("Area 3 of 12"), or ""."""
    if not task_id:
        return ""
    try:
        unit, done, total = _count_file(str(task_id)).read_text(encoding="utf-8").split()
        return UNITS[unit](int(done), int(total))
    except (OSError, ValueError, KeyError):
        return ""


def progress_counts(task_id: str | None) -> dict[str, Any] | None:
    """{"unit", "done", "total"} of the job's last counted point, or None."""
    if not task_id:
        return None
    try:
        unit, done, total = _count_file(str(task_id)).read_text(encoding="utf-8").split()
        return {"unit": unit, "done": int(done), "total": int(total)}
    except (OSError, ValueError):
        return None


def abandoned_reason(tries: int) -> str:
    """The domain record's message when a job is given up after its worker died ``tries`` times."""
    return _(
        "The background worker stopped (the server was restarted or the process was ended) %(tries)s "
        "times before the work finished, so it was ended; nothing of it was written. Start it again."
    ) % {"tries": tries}


def cancelled_message(who: Any) -> str:
    """The message of a job someone cancelled (``who``: a person, an actor or their name)."""
    name = who if isinstance(who, str) else (getattr(who, "get_full_name", lambda: "")() or str(who))
    return _("Cancelled by %(name)s; nothing of it was written.") % {"name": name}


def failure_message(exc: BaseException, *, who: Any, not_allowed: str) -> str:
    """What a job's record says when its work raised ``exc``: who cancelled it, the refusal's own words
    (a ValidationError's messages, a PermissionDenied's reason or ``not_allowed``), or for anything
    else that nothing was written (the detail goes to the log)."""
    from django.core.exceptions import PermissionDenied, ValidationError

    if isinstance(exc, JobCancelled):
        return cancelled_message(str(exc) or who)
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    if isinstance(exc, PermissionDenied):
        return str(exc) or not_allowed
    return _("The work failed because of an error in the system; nothing of it was written.")


def failed_advice() -> str:
    """What to do, shown under a failed job's reason on its page."""
    return _(
        "Correct what the reason names, then start the work again from the page; nothing of the failed "
        "attempt needs undoing. If it fails again for a system error, tell the system administrator."
    )


def page_context(task_id: str | None, *, is_open: bool, failed: bool) -> dict[str, str]:
    """What a job's page shows beside its state: the part reached while it runs ("第 3/12 个地区"),
    and under a failure's reason what to do."""
    return {
        "progress": progress_text(task_id) if is_open else "",
        "advice": failed_advice() if failed else "",
    }


class JobRecord(models.Model):
    """What a domain's own record of a queued job holds beside its kind and subject (benefits'
    ``BatchJob``, reporting's ``ReportJob``): its state, the area it is for (its scope), the message
    the page shows (the result, or a failure's reason in Chinese), the queue entry's id, and who
    started it when. A subclass adds ``kind``, its subject and its one-open-job constraints."""

    class Status(models.TextChoices):
        QUEUED = "queued", gettext_lazy("Queued")
        RUNNING = "running", gettext_lazy("Running")
        DONE = "done", gettext_lazy("Done")
        FAILED = "failed", gettext_lazy("Failed")

    status = models.CharField(
        gettext_lazy("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    area = models.ForeignKey(
        "areas.Area", verbose_name=gettext_lazy("area"), on_delete=models.PROTECT, related_name="+"
    )
    message = models.TextField(gettext_lazy("message"), blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    def audit_area_code(self) -> str:
        return str(self.area_id)  # type: ignore[attr-defined]

    @classmethod
    def open_or_create(cls, open_jobs: models.QuerySet[Any], **fields: Any) -> tuple[Any, bool]:
        """The open job among ``open_jobs`` (the same kind and subject), else a new one made of
        ``fields``; ``(job, created)``. Twenty identical requests make one job: the subclass's
        one-open-job constraint decides a race, and the loser answers with the winner's job."""
        from django.db import IntegrityError, transaction

        open_jobs = open_jobs.filter(status__in=(cls.Status.QUEUED, cls.Status.RUNNING))
        existing = open_jobs.first()
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():
                return cls._default_manager.create(**fields), True
        except IntegrityError:  # the same request, a moment earlier, on another worker
            existing = open_jobs.first()
            if existing is None:
                raise
            return existing, False

    def state_fields(self) -> dict[str, Any]:
        """What every job's API answer says of its state; the domain adds its subject and its URL."""
        return {
            "id": self.pk,
            "kind": getattr(self, "kind", ""),
            "status": self.status,
            "message": self.message,
            "advice": failed_advice() if self.status == self.Status.FAILED else "",
            "progress": progress_text(self.task_id) if self.is_open else "",
            "reached": reached(self.task_id) if self.is_open else "",
        }
