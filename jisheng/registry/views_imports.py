"""The web import: upload, map columns, dry run, then commit the accepted rows or nothing.

The check and the commit run in a background thread so a long file does not hold the request; the
page polls the job's progress with htmx. The engine is the one ``jisheng import`` uses.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jisheng.accounts.decorators import role_required
from jisheng.areas.models import Level
from jisheng.areas.scoping import get_visible_or_404

from .imports.engine import KIND_NAMES, file_sha256, preview, run_import
from .imports.kinds import KINDS, column_letter
from .imports.reader import UnreadableFile
from .models import ImportJob
from .permissions import IMPORT_ROLES, reviews_imports
from .services import import_job_create, import_job_progress, import_job_update

ALLOWED_SUFFIXES = (".xlsx", ".csv")
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
ERRORS_SHOWN = 500


@role_required(*IMPORT_ROLES)
def import_start(request: HttpRequest) -> HttpResponse:
    error = ""
    if request.method == "POST":
        if request.user.is_read_only:  # type: ignore[union-attr]
            error = _("You may not import.")
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
                    headers, mapping, rows = preview(stored, kind)
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
                import_job_update(
                    job=job,
                    stored_path=str(stored),
                    sha256=file_sha256(stored),
                    mapping=mapping,
                    total_rows=rows,
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


def _columns(job: ImportJob) -> tuple[list[dict[str, Any]], list[tuple[int, str]]]:
    try:
        headers, _guess, _rows = preview(Path(job.stored_path), job.kind)
    except Exception:  # an unreadable file has no columns to map
        return [], []
    return [
        {
            "key": column.key,
            "label": column.label,
            "required": column.required,
            "chosen": job.mapping.get(column.key),
        }
        for column in KINDS[job.kind]
    ], [(index, f"{column_letter(index)} · {header}") for index, header in enumerate(headers)]


@role_required(*IMPORT_ROLES)
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_visible_or_404(ImportJob.objects.all(), request.user, pk=pk)
    job.read_live_progress()
    columns, choices = _columns(job) if job.stored_path else ([], [])
    return render(
        request,
        "registry/import_detail.html",
        {"job": job, "columns": columns, "choices": choices, "errors": job.errors[:ERRORS_SHOWN]},
    )


@role_required(*IMPORT_ROLES)
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_visible_or_404(ImportJob.objects.all(), request.user, pk=pk)
    job.read_live_progress()
    return render(
        request, "registry/_import_progress.html", {"job": job, "errors": job.errors[:ERRORS_SHOWN]}
    )


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
