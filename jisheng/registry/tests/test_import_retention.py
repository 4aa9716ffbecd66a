"""An import's uploaded spreadsheet and what was kept beside it (the cells read, the refused rows, …)
are removed once the import has ended and the retention has passed, never while it is queued or
running; stray files of the folder go too; each removal is in the audit trail, and the import's page
then says the file was removed instead of offering a dead download link."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation

from jisheng.audit.models import AuditEvent
from jisheng.core.sealed_files import write_sealed
from jisheng.registry.models import ImportJob

DAY = 24 * 3600
BESIDE = ("cells.jsonl", "columns.json", "refused.xlsx", "warnings.json", "progress")


@pytest.fixture
def imports(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    settings.JISHENG_UPLOAD_RETENTION_DAYS = 30
    folder = tmp_path / "uploads" / "imports"
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def officer(areas, make_user):
    return make_user(areas["village_a"], "village_officer")


def age(paths: list[Path], days: int) -> None:
    moment = time.time() - days * DAY
    for path in paths:
        os.utime(path, (moment, moment))


def a_job(folder: Path, officer, status: str, *, days_ago: int) -> tuple[ImportJob, list[Path]]:
    job = ImportJob.objects.create(
        kind="persons",
        file_name="花名册.xlsx",
        status=status,
        area=officer.area,
        created_by=officer,
        error_count=1,
        errors=["第 3 行：公民身份号码不正确"],
    )
    stored = folder / f"{job.pk}.xlsx"
    write_sealed(stored, [b"spreadsheet"])
    files = [stored]
    for what in BESIDE:
        beside = stored.with_name(f"{stored.name}.{what}")
        write_sealed(beside, [b"kept"]) if what.endswith("xlsx") else beside.write_text("[]")
        files.append(beside)
    job.stored_path = str(stored)
    job.save(update_fields=["stored_path"])
    age(files, days_ago)
    return job, files


def test_a_finished_imports_files_older_than_the_retention_are_removed_and_audited(imports, officer):
    job, files = a_job(imports, officer, ImportJob.Status.DONE, days_ago=31)
    failed, failed_files = a_job(imports, officer, ImportJob.Status.FAILED, days_ago=40)
    call_command("uploads-sweep", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert [path for path in files + failed_files if path.exists()] == []
    events = AuditEvent.objects.filter(action="registry.import_files_remove").order_by("object_id")
    assert [(event.object_id, event.area_code) for event in events] == [
        (str(job.pk), officer.area_id),
        (str(failed.pk), officer.area_id),
    ]
    assert events[0].after["retention_days"] == 30
    assert sorted(events[0].after["files"]) == sorted(path.name for path in files)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.errors  # the job's record stays


def test_a_running_imports_files_are_kept_however_old(imports, officer):
    kept = []
    for status in (ImportJob.Status.CHECKING, ImportJob.Status.IMPORTING):
        kept += a_job(imports, officer, status, days_ago=90)[1]
    call_command("uploads-sweep", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert all(path.exists() for path in kept)
    assert not AuditEvent.objects.filter(action__startswith="registry.import_").exclude(
        action="registry.import_upload"
    )


def test_an_import_left_waiting_past_the_retention_loses_its_file_and_is_failed_saying_why(
    imports, officer, client_for
):
    uploaded, uploaded_files = a_job(imports, officer, ImportJob.Status.UPLOADED, days_ago=31)
    checked, checked_files = a_job(imports, officer, ImportJob.Status.CHECKED, days_ago=31)
    _recent, recent_files = a_job(imports, officer, ImportJob.Status.CHECKED, days_ago=3)
    with translation.override("zh-hans"):
        call_command("uploads-sweep", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert not any(path.exists() for path in uploaded_files + checked_files)
    assert all(path.exists() for path in recent_files)
    for job, was in ((uploaded, "uploaded"), (checked, "checked")):
        job.refresh_from_db()
        assert job.status == ImportJob.Status.FAILED
        assert job.message == "该文件等待导入超过 30 天未导入，已删除；如需导入请重新上传。"
        event = AuditEvent.objects.get(action="registry.import_files_remove", object_id=str(job.pk))
        assert event.after["abandoned"] == was
    page = client_for(officer).get(f"/registry/import/{checked.pk}/").content.decode()
    assert "已在导入结束 30 天后按个人信息保留期限删除" in page
    assert f"/registry/import/{checked.pk}/run/" not in page  # no form to check a file that is gone


def test_a_recently_finished_imports_files_are_kept(imports, officer):
    _job, files = a_job(imports, officer, ImportJob.Status.DONE, days_ago=29)
    call_command("uploads-sweep", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert all(path.exists() for path in files)
    # The period is the setting's: a shorter one removes them.
    call_command("uploads-sweep", "--days", "7", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert not any(path.exists() for path in files)


def test_a_file_no_import_references_is_removed_once_older_than_the_retention(imports, officer):
    stray = imports / "987654.xlsx"  # its job's record never written (a crash between the two)
    partial = imports / ".12.xlsx.x1y2.part"  # a write cut by a crash
    fresh = imports / "987655.xlsx"  # being uploaded now: its job is not recorded yet
    for path in (stray, partial, fresh):
        path.write_bytes(b"JSF1...")
    age([stray, partial], 31)
    call_command("uploads-sweep", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert (stray.exists(), partial.exists(), fresh.exists()) == (False, False, True)
    event = AuditEvent.objects.get(action="registry.import_orphans_remove")
    assert sorted(event.after["files"]) == sorted([stray.name, partial.name])


def test_the_import_page_says_the_file_was_removed_instead_of_offering_the_refused_rows(
    imports, officer, client_for
):
    job, _files = a_job(imports, officer, ImportJob.Status.DONE, days_ago=1)
    client = client_for(officer)
    with translation.override("zh-hans"):
        before = client.get(f"/registry/import/{job.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"/registry/import/{job.pk}/refused.xlsx" in before
    call_command("uploads-sweep", "--days", "1", stdout=open(os.devnull, "w"))  # noqa: SIM115
    page = client.get(f"/registry/import/{job.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "已在导入结束 30 天后按个人信息保留期限删除" in page
    assert f"/registry/import/{job.pk}/refused.xlsx" not in page
    assert "第 3 行：公民身份号码不正确" in page  # the refusals stay readable
    assert client.get(f"/registry/import/{job.pk}/refused.xlsx").status_code == 404
