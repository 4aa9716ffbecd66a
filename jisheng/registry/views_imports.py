"""The web import: upload, map columns, dry run, then commit the accepted rows or nothing.

The check and the commit run in a background thread so a long file does not hold the request; the
page polls the job's progress with htmx. The engine is the one ``jisheng import`` uses.

The file is read once, at upload, after ``imports.guard`` has checked its size: the cells are kept
beside it (``cells.jsonl``) for the check and the commit in the thread. What pages show comes from
what those stored: the job's row, and files beside the upload (the headers, the warnings, the
refused rows as .xlsx). A page view never opens the spreadsheet.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jisheng.accounts import permissions
from jisheng.accounts.http import AuthenticatedHttpRequest
from jisheng.accounts.permissions import Capability
from jisheng.areas.scoping import get_visible_or_404
from jisheng.audit.disclosure import disclosure_record
from jisheng.core import jobs as jobs_queue
from jisheng.core.sealed_files import open_sealed, write_sealed
from jisheng.core.upload_retention import retention_days
from jisheng.core.uploads import MB, limit_uploads, upload_refusal

from .imports import jobs as import_jobs
from .imports import retention
from .imports.engine import KIND_NAMES
from .imports.kinds import KINDS, column_letter
from .models import ImportJob
from .services import import_job_create, import_job_progress, import_job_update

ALLOWED_SUFFIXES = (".xlsx", ".csv")
MAX_UPLOAD_BYTES = 50 * MB
ERRORS_SHOWN = 500
# A job whose thread has not reported progress for this long has died with its worker (a restart, a
# kill): it is shown as failed with the reason, never as running forever.
STALE_AFTER_SECONDS = 10 * 60
# The states in which the clerk may correct the columns and check the file (again).
MAPPED_AGAIN = (ImportJob.Status.UPLOADED, ImportJob.Status.CHECKED, ImportJob.Status.FAILED)


@limit_uploads(max_files=1, max_file_bytes=MAX_UPLOAD_BYTES, max_total_bytes=MAX_UPLOAD_BYTES)
@permissions.capability_required(Capability.IMPORT_ROSTERS)
def import_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    error = ""
    if request.method == "POST":
        refusal = upload_refusal(request)
        if request.user.is_read_only:  # type: ignore[union-attr]
            error = _("You may not import.")
        elif refusal:
            error = _("The file was not received: %(reason)s Only .xlsx and .csv files up to 50 MB.") % {
                "reason": refusal
            }
        upload = request.FILES.get("file")
        kind = request.POST.get("kind", "")
        if not error and (upload is None or kind not in KIND_NAMES):
            error = _("Choose what to import and a file.")
        elif not error and upload is not None:
            suffix = Path(upload.name or "").suffix.lower()
            if suffix not in ALLOWED_SUFFIXES or upload.size is None or upload.size > MAX_UPLOAD_BYTES:
                error = _("Only .xlsx and .csv files up to 50 MB can be imported.")
            else:
                folder = Path(settings.MEDIA_ROOT) / "imports"
                folder.mkdir(parents=True, exist_ok=True)
                job = import_job_create(kind=kind, file_name=upload.name or "", by=request.user)
                stored = folder / f"{job.pk}{suffix}"
                write_sealed(stored, upload.chunks())  # SM4-GCM at rest, streamed
                error, _peak = import_jobs.read_upload(job, stored)  # in a memory-limited child
                if error:
                    return render(
                        request,
                        "registry/import_start.html",
                        {"kinds": KIND_NAMES, "jobs": [], "error": error},
                    )
                return redirect("registry:import_detail", pk=job.pk)
    jobs = ImportJob.objects.visible_to(request.user).select_related("created_by", "area")
    if not permissions.holds(request.user, Capability.REVIEW_IMPORTS):
        jobs = jobs.filter(created_by=request.user)
    jobs = jobs[:20]
    return render(
        request,
        "registry/import_start.html",
        {
            "kinds": KIND_NAMES,
            "jobs": jobs,
            "error": error,
            "reviewing": permissions.holds(request.user, Capability.REVIEW_IMPORTS),
        },
    )


def _beside(stored: Path, what: str) -> Path:
    return stored.with_name(f"{stored.name}.{what}")


def _stored_json(job: ImportJob, what: str) -> Any:
    try:
        return json.loads(_beside(Path(job.stored_path), what).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _columns(job: ImportJob) -> tuple[list[dict[str, Any]], list[tuple[int, str]]]:
    """The columns stored at upload (the file itself is not opened again)."""
    stored = _stored_json(job, "columns.json")
    if not stored:  # an unreadable file has no columns to map
        return [], []
    headers = stored.get("labels") or stored.get("headers") or []
    return [
        {
            "key": column.key,
            "label": column.label,
            "required": column.required,
            "chosen": job.mapping.get(column.key),
        }
        for column in KINDS[job.kind]
    ], [(index, f"{column_letter(index)} · {header}") for index, header in enumerate(headers)]


def _outcome(request: HttpRequest, job: ImportJob) -> dict[str, Any]:
    """What the progress card shows, from what the job stored."""
    _fail_if_stale(job)
    job.read_live_progress()
    finished = job.status in (ImportJob.Status.CHECKED, ImportJob.Status.DONE)
    return {
        "job": job,
        "running": job.status in (ImportJob.Status.CHECKING, ImportJob.Status.IMPORTING),
        "files_removed": retention.files_removed(job),
        "retention_days": retention_days(),
        "errors": job.errors[:ERRORS_SHOWN],
        "warnings": (_stored_json(job, "warnings.json") or [])[:ERRORS_SHOWN] if finished else [],
        "refused_file": finished
        and job.created_by_id == request.user.pk
        and _beside(Path(job.stored_path), "refused.xlsx").exists(),
    }


def _work(request: HttpRequest, job: ImportJob, outcome: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the mapping and the card show (``_import_work.html``), on the page and when the job ends.
    The mapping is there to check (again) until the rows are imported, while the file is kept."""
    outcome = outcome or _outcome(request, job)
    columns, choices = _columns(job) if job.stored_path else ([], [])
    mapping = job.status in MAPPED_AGAIN and not outcome["files_removed"]
    return {**outcome, "columns": columns, "choices": choices, "mapping": mapping}


def _fail_if_stale(job: ImportJob) -> None:
    if job.status not in (ImportJob.Status.CHECKING, ImportJob.Status.IMPORTING) or not job.stored_path:
        return
    try:
        last = job.progress_path.stat().st_mtime
    except OSError:
        return
    if time.time() - last < STALE_AFTER_SECONDS:
        return
    if import_jobs.task_id_of(job) and jobs_queue.status_of(import_jobs.task_id_of(job)) in (
        jobs_queue.READY,
        jobs_queue.RUNNING,
    ):
        return  # queued behind other work, or running: the worker's sweep resumes it if its worker died
    if job.status == ImportJob.Status.IMPORTING:
        reason = _(
            "The import stopped without finishing (the server was restarted or the work was ended). Parts "
            "already committed stay written; check the file again: rows already imported count as "
            "unchanged."
        )
    else:
        reason = _("The check stopped without finishing (the server was restarted); check the file again.")
    import_job_update(job=job, status=ImportJob.Status.FAILED, message=reason[:255])


@permissions.capability_required(Capability.IMPORT_ROSTERS)
def import_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = get_visible_or_404(ImportJob.objects.all(), request.user, pk=pk)
    return render(request, "registry/import_detail.html", _work(request, job))


@permissions.capability_required(Capability.IMPORT_ROSTERS)
def import_progress(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The poll of the progress card. While the job runs, only the figures (``#progress-live``): the
    Cancel button stays the element under the finger, a tap that lasts longer than a poll is not lost.
    Once it has ended, the column mapping and the whole card once (``#import-work``, what a reload
    of the page would show: the form to correct the columns and check again, the Import button),
    drawn in place of that part."""
    job = get_visible_or_404(ImportJob.objects.all(), request.user, pk=pk)
    context = _outcome(request, job)
    if context["running"]:
        return render(request, "registry/_import_progress_live.html", context)
    context = _work(request, job, context)
    response = render(request, "registry/_import_work.html", context)
    response["HX-Retarget"] = "#import-work"
    # The mapping comes in above the card she was watching: on a phone the card (its state, the Import
    # button) would be pushed below the fold, so the page scrolls to keep the card where it was.
    response["HX-Reswap"] = "outerHTML show:#progress:top" if context["mapping"] else "outerHTML"
    return response


@permissions.capability_required(Capability.IMPORT_ROSTERS)
def import_refused(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The refused rows with their reasons, for the person who imported the file to correct them."""
    job = get_visible_or_404(ImportJob.objects.all(), request.user, pk=pk)
    path = _beside(Path(job.stored_path), "refused.xlsx") if job.stored_path else None
    if job.created_by_id != request.user.pk or path is None or not path.exists():
        raise Http404
    disclosure_record(
        by=request.user,
        kind="registry_import_refused",
        count=job.error_count,
        fields=list(job.mapping),
        filters={"import": job.pk, "file": job.file_name},
        object_type="registry.importjob",
        object_id=str(job.pk),
        object_repr=job.file_name,
        area_code=job.area_id,
    )
    stem = Path(job.file_name).stem or "import"
    response = FileResponse(
        open_sealed(path), as_attachment=True, filename=_("%(name)s-refused rows.xlsx") % {"name": stem}
    )
    response["Cache-Control"] = "no-store"
    return response  # type: ignore[return-value]  # a streamed file, as views may return


@require_POST
@permissions.capability_required(Capability.IMPORT_ROSTERS)
def import_run(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """POST with action=check (dry run) or action=commit; the mapping comes with a check."""
    job = get_visible_or_404(ImportJob.objects.all(), request.user, pk=pk)
    if request.user.is_read_only or job.created_by_id != request.user.pk:  # type: ignore[union-attr]
        return redirect("registry:import_detail", pk=job.pk)
    if job.status in (ImportJob.Status.CHECKING, ImportJob.Status.IMPORTING, ImportJob.Status.DONE):
        return redirect("registry:import_detail", pk=job.pk)
    if retention.files_removed(job):  # nothing left to check: the file is to be uploaded again
        return redirect("registry:import_detail", pk=job.pk)
    action = request.POST.get("action", "check")
    if action == "check":
        mapping = {}
        for column in KINDS[job.kind]:
            value = request.POST.get(f"map_{column.key}", "")
            if value.isdigit():
                mapping[column.key] = int(value)
        import_job_update(
            job=job,
            mapping=mapping,
            all_or_nothing=request.POST.get("all_or_nothing") == "1",
            status=ImportJob.Status.CHECKING,
            done_rows=0,
        )
    elif job.status == ImportJob.Status.CHECKED and not (job.all_or_nothing and job.error_count):
        import_job_update(job=job, status=ImportJob.Status.IMPORTING, done_rows=0)
    else:
        return redirect("registry:import_detail", pk=job.pk)
    import_job_progress(job=job, done=0, total=job.total_rows)  # the clock of the stale check starts
    import_jobs.launch(job, user_pk=request.user.pk, dry_run=action == "check")
    return redirect("registry:import_detail", pk=job.pk)


@require_POST
@permissions.capability_required(Capability.IMPORT_ROSTERS)
def import_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Stop a queued or running check or commit (the person who started it)."""
    job = get_visible_or_404(ImportJob.objects.all(), request.user, pk=pk)
    if job.created_by_id == request.user.pk and not request.user.is_read_only:  # type: ignore[union-attr]
        import_jobs.cancel(job, by=request.user)
    return redirect("registry:import_detail", pk=job.pk)
