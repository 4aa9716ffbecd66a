"""Report compilation and approval are durable jobs of ``jisheng worker``: a worker killed with -9
inside the approval's transaction leaves the report submitted (not half approved), the next worker
approves it once, and the audit chain stays intact; the pages queue one job per compilation or
approval and follow it; whoever started a job can cancel it."""

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
POINT = "report_approve:saved"

SETUP = r"""
import json, os
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "jisheng.settings"
django.setup()
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
settings.MIGRATION_MODULES = {config.label: None for config in apps.get_app_configs()}
call_command("migrate", run_syncdb=True, verbosity=0)
from tests import factories
from jisheng.workdays.seed import chinesecalendar_years
from jisheng.workdays.services import calendar_seed
for year in chinesecalendar_years():  # a year at a time: the years seeded at once overflow the audit's object id
    calendar_seed(years=[year], by=factories.SETUP)
from jisheng.reporting import services
from jisheng.reporting.periods import parse
from jisheng.reporting.tests.helpers import fill_and_submit, on_time
areas = factories.make_areas()
officer = factories.make_user(area=areas["village_a"], roles=["village_officer"], username="officer")
clerk = factories.make_user(area=areas["township_a"], roles=["counter_clerk"], username="clerk")
forms = {form.code: form for form in services.forms_load(by=factories.SETUP)}
month = parse("2026-M10")
report = services.report_open(form=forms["village_month"], period=month, area=areas["village_a"], by=officer)
fill_and_submit(report, officer, on_time(month))
job = services.report_job_start(kind="approve", report=report, explanation="已电话核实", by=clerk)
print(json.dumps({"job": job.pk, "task": job.task_id, "report": report.pk}))
"""

STATE = r"""
import json, os, subprocess, sys
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "jisheng.settings"
django.setup()
from django_tasks_db.models import DBTaskResult
from jisheng.audit.models import AuditEvent
from jisheng.reporting.models import Report, ReportJob
job = ReportJob.objects.get(pk=%(job)d)
task = DBTaskResult.objects.get(pk=job.task_id)
verified = subprocess.run([sys.executable, "-m", "jisheng", "audit-verify"], capture_output=True, text=True)
print(json.dumps({"status": job.status, "message": job.message, "report": Report.objects.get(pk=%(report)d).status,
    "approvals": AuditEvent.objects.filter(action="reporting.approve").count(), "task": task.status,
    "tries": len(task.worker_ids), "audit_ok": verified.returncode == 0}))
"""


def _run(script: str, env: dict[str, str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "jisheng", "worker", "--interval", "0.2"],
        cwd=REPO,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


@pytest.mark.skipif(sys.platform != "linux", reason="kill -9 and /proc")
def test_a_worker_killed_inside_an_approval_leaves_the_report_submitted_and_the_next_worker_approves_it_once(
    tmp_path,
):
    """On SQLite, or on a throwaway PostgreSQL database when the suite runs on PostgreSQL."""
    with subprocess_env(
        {key: value for key, value in os.environ.items() if key != "JISHENG_JOB_PAUSE_AT"}
    ) as env:
        _kill_inside_an_approval(env, tmp_path)


def _kill_inside_an_approval(env: dict[str, str], tmp_path: Path) -> None:
    env["JISHENG_DATA_DIR"] = str(tmp_path)
    setup = _run(SETUP, env)
    progress = tmp_path / "jobs" / "progress" / setup["task"]
    log = tmp_path / "worker.log"

    first = _worker({**env, "JISHENG_JOB_PAUSE_AT": POINT, "JISHENG_JOB_PAUSE_SECONDS": "120"}, log)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if (progress.exists() and progress.read_text() == POINT) or first.poll() is not None:
            break
        time.sleep(0.05)
    assert first.poll() is None and progress.read_text() == POINT, log.read_text()[-3000:]
    first.send_signal(signal.SIGKILL)  # the report saved as approved, not committed
    first.wait()
    stuck = _run(STATE % setup, env)
    assert stuck["status"] == "running" and stuck["task"] == "RUNNING", stuck
    assert stuck["report"] == "submitted" and stuck["approvals"] == 0 and stuck["audit_ok"], stuck

    second = _worker(env, log)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            state = _run(STATE % setup, env)
            if state["status"] in ("done", "failed"):
                break
            time.sleep(1)
    finally:
        second.terminate()
        second.wait(30)
    assert state["status"] == "done" and state["report"] == "approved", (state, log.read_text()[-3000:])
    assert state["approvals"] == 1 and state["task"] == "SUCCESSFUL" and state["tries"] == 2, state
    assert state["audit_ok"], state


def test_twenty_approval_clicks_queue_one_job_whose_page_polls_until_the_report_is_approved(
    settings, areas, forms, month, staff, make_user, client_for
):
    from django_tasks_db.models import DBTaskResult

    from jisheng.reporting import jobs, services
    from jisheng.reporting.models import ReportJob

    from .helpers import fill_and_submit, on_time

    settings.JISHENG_JOBS_SYNC = False  # queued for the worker, as in production
    report = services.report_open(
        form=forms["village_month"], period=month, area=areas["village_a"], by=staff["village"]
    )
    fill_and_submit(report, staff["village"], on_time(month))
    client = client_for(staff["clerk"])
    answers = [client.post(f"/reporting/{report.pk}/approve/", {"explanation": "已核实"}) for _ in range(20)]
    job = ReportJob.objects.get()
    assert {answer["Location"] for answer in answers} == {f"/reporting/jobs/{job.pk}/"}
    assert DBTaskResult.objects.count() == 1
    page = client.get(f"/reporting/jobs/{job.pk}/").content.decode()
    assert "排队中" in page and f'hx-get="/reporting/jobs/{job.pk}/"' in page and 'id="job-cancel"' in page
    jobs.run_job(job.pk)  # what the worker does
    part = client.get(f"/reporting/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "已完成" in part and "hx-get" not in part and f"/reporting/{report.pk}/" in part
    report.refresh_from_db()
    assert report.status == "approved"


def test_whoever_queued_a_compilation_cancels_it_and_no_one_else_can(
    settings, areas, forms, month, staff, make_user, client_for
):
    from jisheng.reporting.models import Report, ReportJob

    settings.JISHENG_JOBS_SYNC = False
    client = client_for(staff["clerk"])
    client.post("/reporting/compile/", {"form": "village_month", "period": month.key})
    job = ReportJob.objects.get()
    assert job.kind == "compile" and job.area_id == areas["township_a"].code
    other = client_for(make_user(areas["township_a"], "counter_clerk", username="other"))
    other.post(f"/reporting/jobs/{job.pk}/cancel/")
    job.refresh_from_db()
    assert job.status == "queued"
    page = client.post(f"/reporting/jobs/{job.pk}/cancel/", follow=True).content.decode()
    job.refresh_from_db()
    assert job.status == "failed" and "取消" in job.message and "取消" in page
    assert not Report.objects.filter(area=areas["township_a"]).exists()
