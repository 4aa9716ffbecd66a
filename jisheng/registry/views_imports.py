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
import threading
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jisheng.accounts.decorators import role_required
from jisheng.accounts.http import AuthenticatedHttpRequest
from jisheng.areas.models import Level
from jisheng.areas.scoping import get_visible_or_404
from jisheng.audit.disclosure import disclosure_record
from jisheng.core.uploads import MB, limit_uploads, upload_refusal

from .imports.engine import KIND_NAMES, file_sha256, preview, run_import
from .imports.kinds import KINDS, column_letter
from .imports.reader import UnreadableFile
from .imports.refused import write_refused_rows
from .models import ImportJob
from .permissions import IMPORT_ROLES, reviews_imports
from .services import import_job_create, import_job_progress, import_job_update

ALLOWED_SUFFIXES = (".xlsx", ".csv")
MAX_UPLOAD_BYTES = 50 * MB
ERRORS_SHOWN = 500
# A job whose thread has not reported progress for this long has died with its worker (a restart, a
# kill): it is shown as failed with the reason, never as running forever.
STALE_AFTER_SECONDS = 10 * 60


@limit_uploads(max_files=1, max_file_bytes=MAX_UPLOAD_BYTES, max_total_bytes=MAX_UPLOAD_BYTES)
@role_required(*IMPORT_ROLES)
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
                with stored.open("wb") as handle:
                    for chunk in upload.chunks():
                        handle.write(chunk)
                try:
                    table, mapping = preview(stored, kind, keep=_beside(stored, "cells.jsonl"))
                except Exception as problem:  # any unreadable file: say so instead of failing the page
                    import_job_update(job=job, stored_path=str(stored), status=ImportJob.Status.FAILED)
                    error = (
                        str(problem)
                        if isinstance(problem, UnreadableFile)
                        else _("The file could not be read as .xlsx or .csv.")
                    )
                    return render(
                        request,
                        "registry/import_start.html",
                        {"kinds": KIND_NAMES, "jobs": [], "error": error},
                    )
                _beside(stored, "columns.json").write_text(
                    json.dumps({"headers": table.headers, "labels": table.labels}, ensure_ascii=False),
                    encoding="utf-8",
                )
                import_job_update(
                    job=job,
                    stored_path=str(stored),
                    sha256=file_sha256(stored),
                    mapping=mapping,
                    total_rows=len(table.rows),
                )
                return redirect("registry:import_detail", pk=job.pk)
    jobs = ImportJob.objects.visible_to(request.user).select_related("created_by", "area")
    if not reviews_imports(request.user):
        jobs = jobs.filter(created_by=request.user)
    jobs = jobs[:20]
    return render(
        request,
        "registry/import_start.html",
        {"kinds": KIND_NAMES, "jobs": jobs, "error": error, "reviewing": reviews_imports(request.user)},
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
        "errors": job.errors[:ERRORS_SHOWN],
        "warnings": (_stored_json(job, "warnings.json") or [])[:ERRORS_SHOWN] if finished else [],
        "refused_file": finished
        and job.created_by_id == request.user.pk
        and _beside(Path(job.stored_path), "refused.xlsx").exists(),
    }


def _fail_if_stale(job: ImportJob) -> None:
    if job.status not in (ImportJob.Status.CHECKING, ImportJob.Status.IMPORTING) or not job.stored_path:
        return
    try:
        last = job.progress_path.stat().st_mtime
    except OSError:
        return
    if time.time() - last < STALE_AFTER_SECONDS:
        return
    if job.status == ImportJob.Status.IMPORTING:
        reason = _(
            "The import stopped without finishing (the server was restarted or the work was ended). Parts "
            "already committed stay written; check the file again: rows already imported count as "
            "unchanged."
        )
    else:
        reason = _("The check stopped without finishing (the server was restarted); check the file again.")
    import_job_update(job=job, status=ImportJob.Status.FAILED, message=reason[:255])


@role_required(*IMPORT_ROLES)
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_visible_or_404(ImportJob.objects.all(), request.user, pk=pk)
    context = _outcome(request, job)
    columns, choices = _columns(job) if job.stored_path else ([], [])
    return render(request, "registry/import_detail.html", {**context, "columns": columns, "choices": choices})


@role_required(*IMPORT_ROLES)
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_visible_or_404(ImportJob.objects.all(), request.user, pk=pk)
    return render(request, "registry/_import_progress.html", _outcome(request, job))


@role_required(*IMPORT_ROLES)
def import_refused(request: HttpRequest, pk: int) -> HttpResponse:
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
        path.open("rb"), as_attachment=True, filename=_("%(name)s-refused rows.xlsx") % {"name": stem}
    )
    response["Cache-Control"] = "no-store"
    return response  # type: ignore[return-value]  # a streamed file, as views may return


@require_POST
@role_required(*IMPORT_ROLES)
def import_run(request: HttpRequest, pk: int) -> HttpResponse:
    """POST with action=check (dry run) or action=commit; the mapping comes with a check."""
    job = get_visible_or_404(ImportJob.objects.all(), request.user, pk=pk)
    if request.user.is_read_only or job.created_by_id != request.user.pk:  # type: ignore[union-attr]
        return redirect("registry:import_detail", pk=job.pk)
    if job.status in (ImportJob.Status.CHECKING, ImportJob.Status.IMPORTING, ImportJob.Status.DONE):
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
    if getattr(settings, "REGISTRY_IMPORT_SYNC", False):  # tests: run in the request
        _run_job(job.pk, request.user, action == "check")
    else:
        threading.Thread(
            target=_run_job_in_thread, args=(job.pk, request.user, action == "check"), daemon=True
        ).start()
    return redirect("registry:import_detail", pk=job.pk)


def _run_job_in_thread(job_pk: int, user: Any, dry_run: bool) -> None:
    try:
        _run_job(job_pk, user, dry_run)
    finally:
        close_old_connections()


def _run_job(job_pk: int, user: Any, dry_run: bool) -> None:
    job = ImportJob.objects.get(pk=job_pk)
    village = user.area if user.area and user.area.level == Level.VILLAGE else None

    def progress(done: int, total: int) -> None:
        import_job_progress(job=job, done=done, total=total)

    progress(0, job.total_rows)  # not the last run's figures

    try:
        result = run_import(
            path=Path(job.stored_path),
            kind=job.kind,
            by=user,
            mapping=job.mapping,
            default_village=village,
            dry_run=dry_run,
            all_or_nothing=job.all_or_nothing,
            file_name=job.file_name,
            progress=progress,
            parsed=_beside(Path(job.stored_path), "cells.jsonl"),  # read at upload, not again
        )
        stored = Path(job.stored_path)
        write_refused_rows(result, _beside(stored, "refused.xlsx"))
        _beside(stored, "warnings.json").write_text(
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
    except Exception as exc:  # a broken file must end the job visibly, not leave it "checking"
        import_job_update(job=job, status=ImportJob.Status.FAILED, message=str(exc)[:250])
