"""The web import's check and commit run as durable jobs: a worker killed with -9 in the middle of a
commit leaves the import running only until a worker starts again, which finishes it (or fails it with
the reason) — never stuck — and the audit chain intact. Real processes, as production runs them: on a
file database, and on a PostgreSQL database of their own when the suite runs on PostgreSQL (there the
person table is partitioned by county as migration 0010 leaves it, and the file is one transaction, so
a killed commit leaves no person at all)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jisheng.core.tests.job_database import subprocess_env

REPO = Path(__file__).resolve().parents[3]
ROWS = 12_000

SETUP = r"""
import datetime, json, os
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "jisheng.settings"
django.setup()
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from stdnum.cn import ric
settings.MIGRATION_MODULES = {config.label: None for config in apps.get_app_configs()}
call_command("migrate", run_syncdb=True, verbosity=0)
from django.db import connection
from jisheng.core.partitions import convert_table
with connection.schema_editor() as editor:  # what migration 0010 does (nothing on SQLite)
    convert_table(editor, "registry_person", "county_code", [], partitioned=True)
if connection.vendor == "postgresql":  # and migration 0016
    from jisheng.registry import live_ids
    with connection.cursor() as cursor:
        live_ids.install(cursor)
from jisheng.accounts.models import User
from jisheng.accounts.services import roles_for
from jisheng.areas.models import Area
from jisheng.core import partitions
from jisheng.registry.imports import jobs
from jisheng.registry.models import ImportJob
from jisheng.registry.services import import_job_create, import_job_update
county = Area.objects.create(code="411723000000", name="平舆县", level=3)
township = Area.objects.create(code="411723101000", name="庙湾镇", level=4, parent=county)
village = Area.objects.create(code="411723101201", name="王庄村", level=5, parent=township)
user = User.objects.create_user(username="officer", password="x-Long#Pass2026", area=village)
user.roles.set(roles_for(["village_officer"]))
lines = ["姓名,公民身份号码"]
start = datetime.date(1960, 1, 1)
for n in range(%(rows)d):
    birth = start + datetime.timedelta(days=n // 400)
    body = f"412827{birth:%%Y%%m%%d}{n %% 400 + 100:03d}"
    lines.append(f"张{n},{body}{ric.calc_check_digit(body + '0')}")
folder = settings.MEDIA_ROOT / "imports"
folder.mkdir(parents=True, exist_ok=True)
job = import_job_create(kind="persons", file_name="花名册.csv", by=user)
stored = folder / f"{job.pk}.csv"
stored.write_text("\n".join(lines), encoding="utf-8-sig")
reason, peak = jobs.read_upload(job, stored)
assert not reason, reason
import_job_update(job=job, all_or_nothing=False, status=ImportJob.Status.IMPORTING, done_rows=0)
jobs.launch(job, user_pk=user.pk, dry_run=False)
print(json.dumps({"job": job.pk, "progress": str(job.progress_path), "peak": peak,
    "partitions": sorted(partitions.counties_with_partitions(connection, "registry_person"))}))
"""

STATE = r"""
import json, os, subprocess, sys
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "jisheng.settings"
django.setup()
from django_tasks_db.models import DBTaskResult
from jisheng.registry.models import ImportJob, Person
job = ImportJob.objects.get(pk=%(job)d)
task = DBTaskResult.objects.get()
verified = subprocess.run([sys.executable, "-m", "jisheng", "audit-verify"], capture_output=True, text=True)
print(json.dumps({"status": job.status, "message": job.message, "persons": Person.objects.count(),
    "task": task.status, "tries": len(task.worker_ids), "audit_ok": verified.returncode == 0,
    "postgresql": django.db.connection.vendor == "postgresql"}))
"""


def _run(script: str, env: dict[str, str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _rows_done(progress: Path) -> int:
    try:
        return int(progress.read_text().split()[0])
    except (OSError, IndexError, ValueError):  # not written yet
        return 0


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "jisheng", "worker", "--interval", "0.2"],
        cwd=REPO,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


@pytest.mark.skipif(sys.platform != "linux", reason="kill -9 and /proc")
def test_a_worker_killed_mid_import_leaves_the_import_to_the_next_worker_which_ends_it(tmp_path):
    with subprocess_env(dict(os.environ)) as env:
        _kill_mid_import(env, tmp_path)


def _kill_mid_import(env: dict[str, str], tmp_path: Path) -> None:
    env["JISHENG_DATA_DIR"] = str(tmp_path)
    setup = _run(SETUP % {"rows": ROWS}, env)
    progress = Path(setup["progress"])
    log = tmp_path / "worker.log"

    first = _worker(env, log)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:  # until the commit is under way: some rows written
        done = _rows_done(progress)
        if done > 0 or first.poll() is not None:
            break
        time.sleep(0.05)
    assert first.poll() is None, log.read_text()[-3000:]
    assert 0 < done < ROWS, "the worker finished before it could be killed; use more rows"
    first.send_signal(signal.SIGKILL)
    first.wait()

    stuck = _run(STATE % {"job": setup["job"]}, env)
    assert stuck["status"] == "importing" and stuck["task"] == "RUNNING"  # what a dead worker leaves
    assert stuck["audit_ok"], stuck
    if stuck["postgresql"]:  # one transaction for the file, partitioned as in production
        assert stuck["persons"] == 0, stuck
        assert setup["partitions"] == ["411723"], setup

    second = _worker(env, log)
    try:
        deadline = time.monotonic() + 480
        while time.monotonic() < deadline:
            state = _run(STATE % {"job": setup["job"]}, env)
            if state["status"] in ("done", "failed"):
                break
            time.sleep(2)
    finally:
        second.terminate()
        second.wait(30)
    assert state["status"] in ("done", "failed"), (state, log.read_text()[-3000:])
    assert state["audit_ok"], state
    if state["status"] == "done":  # run again from the start: what the first run wrote counts as unchanged
        assert state["persons"] == ROWS and state["task"] == "SUCCESSFUL" and state["tries"] == 2, state
    else:
        assert state["message"], state


@pytest.fixture
def officer(areas, make_user):
    return make_user(areas["village_a"], "village_officer")


def test_the_importer_cancels_a_queued_check_from_the_import_page(
    tmp_path, settings, areas, officer, make_user, client_for
):
    from django_tasks_db.models import DBTaskResult

    from jisheng.registry.imports import jobs
    from jisheng.registry.models import ImportJob
    from jisheng.registry.services import import_job_create, import_job_update

    settings.MEDIA_ROOT = tmp_path
    settings.DATA_DIR = tmp_path
    job = import_job_create(kind="persons", file_name="花名册.csv", by=officer)
    stored = tmp_path / f"{job.pk}.csv"
    stored.write_text("姓名,公民身份号码\n甲一,411723198001010012\n", encoding="utf-8")
    assert jobs.read_upload(job, stored)[0] == ""
    import_job_update(job=job, status=ImportJob.Status.CHECKING)
    jobs.launch(job, user_pk=officer.pk, dry_run=True)
    client = client_for(officer)
    page = client.get(f"/registry/import/{job.pk}/").content.decode()
    assert f"/registry/import/{job.pk}/cancel/" in page
    colleague = client_for(make_user(areas["village_a"], "village_officer", username="colleague"))
    colleague.post(f"/registry/import/{job.pk}/cancel/")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKING  # only the importer may cancel
    assert client.post(f"/registry/import/{job.pk}/cancel/").status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "取消" in job.message
    assert DBTaskResult.objects.get().status == "FAILED"
    assert client.post(f"/registry/import/{job.pk}/cancel/").status_code == 302  # a second click is harmless
