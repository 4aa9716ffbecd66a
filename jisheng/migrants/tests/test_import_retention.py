"""A moves import's uploaded file is removed once the import has ended and the retention has passed,
never while it is queued or running; a stray file of the folder goes too; both audited."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from jisheng.audit.models import AuditEvent
from jisheng.core.sealed_files import write_sealed
from jisheng.migrants.models import MoveImport

DAY = 24 * 3600


@pytest.fixture
def folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    settings.JISHENG_UPLOAD_RETENTION_DAYS = 30
    path = tmp_path / "uploads" / "migrant-imports"
    path.mkdir(parents=True)
    return path


def a_job(folder: Path, clerk, status: str, *, days_ago: int) -> tuple[MoveImport, list[Path]]:
    job = MoveImport.objects.create(
        kind=MoveImport.Kind.DEPARTURES,
        file_name="流出.xlsx",
        area=clerk.area,
        created_by=clerk,
        status=status,
    )
    stored = folder / f"{job.pk}.xlsx"
    write_sealed(stored, [b"spreadsheet"])
    progress = folder / f"{job.pk}.xlsx.progress"
    progress.write_text("3 3")
    job.stored_path = str(stored)
    job.save(update_fields=["stored_path"])
    moment = time.time() - days_ago * DAY
    for path in (stored, progress):
        os.utime(path, (moment, moment))
    return job, [stored, progress]


def test_an_ended_moves_imports_file_older_than_the_retention_is_removed_and_audited(
    folder, areas, make_user
):
    clerk = make_user(areas["township_a"], "counter_clerk")
    written, written_files = a_job(folder, clerk, MoveImport.Status.DONE, days_ago=31)
    refused, refused_files = a_job(folder, clerk, MoveImport.Status.REFUSED, days_ago=45)
    _running, running_files = a_job(folder, clerk, MoveImport.Status.RUNNING, days_ago=90)
    _queued, queued_files = a_job(folder, clerk, MoveImport.Status.QUEUED, days_ago=90)
    _recent, recent_files = a_job(folder, clerk, MoveImport.Status.FAILED, days_ago=2)
    stray = folder / "424242.csv"
    stray.write_bytes(b"JSF1")
    os.utime(stray, (time.time() - 31 * DAY,) * 2)
    call_command("uploads-sweep", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert not any(path.exists() for path in written_files + refused_files + [stray])
    assert all(path.exists() for path in running_files + queued_files + recent_files)
    events = AuditEvent.objects.filter(action="migrants.move_import_files_remove")
    assert sorted(event.object_id for event in events) == sorted([str(written.pk), str(refused.pk)])
    assert AuditEvent.objects.get(action="migrants.move_import_orphans_remove").after["files"] == [stray.name]
    written.refresh_from_db()
    assert written.status == MoveImport.Status.DONE  # the job's record stays
