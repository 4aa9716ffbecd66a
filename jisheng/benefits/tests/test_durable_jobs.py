"""Benefit runs and payment exports are durable jobs of ``jisheng worker``: a worker killed with -9
in the middle of the run's or the export's transaction leaves no partial batch or payment; the next
worker runs the job again (or fails it with the reason in Chinese), never leaving it running; the
audit chain stays intact. Twenty identical requests make one job and one batch; a queued job is
cancelled from its page."""

from __future__ import annotations

import datetime
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
CHILDREN = 40

SETUP = r"""
import datetime, json, os, sys
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "jisheng.settings"
django.setup()
from decimal import Decimal
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
from jisheng.benefits import services
from jisheng.benefits.models import Batch, Line
areas = factories.make_areas()
head = factories.make_user(area=areas["township_a"], roles=["township_head"], username="head")
approver = factories.make_user(area=areas["county"], roles=["county_staff"], username="approver")
payer = factories.make_user(area=areas["county"], roles=["county_staff"], username="payer")
for n in range(%(children)d):
    factories.make_person(area=areas["village_a"], name=f"孩{n}", sex="1",
        birth=datetime.date(2024, 1, 1) + datetime.timedelta(days=n), residence=False)
if "%(kind)s" == "propose":
    job = services.batch_job_start(kind="propose", programme_id="childcare_subsidy", year=2025,
        area=areas["township_a"], by=head)
else:
    batch = Batch.objects.create(programme_id="childcare_subsidy", programme_name="育儿补贴", version="2025",
        year=2025, area=areas["township_a"], status="approved", created_by=head, approved_by=approver)
    from jisheng.registry.models import Person
    for person in Person.objects.all():
        Line.objects.create(batch=batch, person=person, area=areas["village_a"], name=person.name,
            id_number=person.id_number, amount=Decimal("3600.00"), status="approved",
            account_kind="bank_card", bank_account="6228481234567890128", bank_name="中国农业银行",
            account_holder=person.name)
    job = services.batch_job_start(kind="export", batch=batch, by=payer)
print(json.dumps({"job": job.pk, "task": job.task_id}))
"""

STATE = r"""
import json, os, subprocess, sys
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "jisheng.settings"
django.setup()
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult
from jisheng.benefits.models import Batch, BatchJob, Line, Payment
job = BatchJob.objects.get(pk=%(job)d)
task = DBTaskResult.objects.get(pk=job.task_id)
verified = subprocess.run([sys.executable, "-m", "jisheng", "audit-verify"], capture_output=True, text=True)
print(json.dumps({"status": job.status, "message": job.message, "batch": job.batch_id,
    "batches": Batch.objects.filter(status="proposed").count(), "lines": Line.objects.count(),
    "payments": Payment.objects.count(), "task": task.status, "tries": len(task.worker_ids),
    "audit_ok": verified.returncode == 0}))
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


def _kill_inside(kind: str, point: str, tmp_path: Path, *, attempts_after: int) -> tuple[dict, dict, str]:
    """Queue the job, start a worker told to wait at ``point`` (inside the service's transaction),
    kill it -9 there, then let a second worker (allowed ``attempts_after`` tries in all) take over.
    On SQLite, or on a throwaway PostgreSQL database when the suite runs on PostgreSQL."""
    with subprocess_env(dict(os.environ)) as env:
        return _kill_with(env, kind, point, tmp_path, attempts_after=attempts_after)


def _kill_with(
    env: dict[str, str], kind: str, point: str, tmp_path: Path, *, attempts_after: int
) -> tuple[dict, dict, str]:
    env["JISHENG_DATA_DIR"] = str(tmp_path)
    env.pop("JISHENG_JOB_PAUSE_AT", None)
    setup = _run(SETUP % {"children": CHILDREN, "kind": kind}, env)
    progress = tmp_path / "jobs" / "progress" / setup["task"]
    log = tmp_path / "worker.log"

    first = _worker({**env, "JISHENG_JOB_PAUSE_AT": point, "JISHENG_JOB_PAUSE_SECONDS": "120"}, log)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if (progress.exists() and progress.read_text() == point) or first.poll() is not None:
            break
        time.sleep(0.05)
    assert first.poll() is None, log.read_text()[-3000:]
    assert progress.read_text() == point, log.read_text()[-3000:]
    first.send_signal(signal.SIGKILL)
    first.wait()
    stuck = _run(STATE % {"job": setup["job"]}, env)

    second = _worker({**env, "JISHENG_JOB_ATTEMPTS": str(attempts_after)}, log)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            state = _run(STATE % {"job": setup["job"]}, env)
            if state["status"] in ("done", "failed"):
                break
            time.sleep(1)
    finally:
        second.terminate()
        second.wait(30)
    return stuck, state, log.read_text()[-3000:]


@pytest.mark.skipif(sys.platform != "linux", reason="kill -9 and /proc")
def test_a_worker_killed_inside_a_benefit_run_leaves_no_partial_batch_and_the_next_worker_makes_it_once(
    tmp_path,
):
    stuck, state, log = _kill_inside("propose", "batch_propose:lines_written", tmp_path, attempts_after=2)
    # killed with the batch and its lines written but not committed: nothing of them remains
    assert stuck["status"] == "running" and stuck["task"] == "RUNNING", stuck
    assert stuck["batches"] == 0 and stuck["lines"] == 0 and stuck["audit_ok"], stuck
    # the next worker runs the job again from the start: one batch, every child once
    assert state["status"] == "done", (state, log)
    assert state["batches"] == 1 and state["lines"] == CHILDREN and state["batch"], state
    assert state["task"] == "SUCCESSFUL" and state["tries"] == 2 and state["audit_ok"], state


@pytest.mark.skipif(sys.platform != "linux", reason="kill -9 and /proc")
def test_a_worker_killed_inside_a_payment_export_leaves_no_payment_and_the_job_fails_visibly(tmp_path):
    stuck, state, log = _kill_inside("export", "payments_issue:payments_written", tmp_path, attempts_after=1)
    assert stuck["status"] == "running" and stuck["payments"] == 0 and stuck["audit_ok"], stuck
    # no more tries allowed: failed, with the reason in Chinese on the job's page, and no payment made
    assert state["status"] == "failed" and state["task"] == "FAILED", (state, log)
    assert "后台" in state["message"] and "未写入" in state["message"], state
    assert state["payments"] == 0 and state["audit_ok"], state


@pytest.fixture
def township(areas, make_user):
    from .factories import person

    for n in range(3):
        person(areas["village_a"], f"幼{n}", "2", datetime.date(2024, 3, 1 + n))
    return make_user(areas["township_a"], "township_head", username="head")


def test_twenty_identical_run_requests_queue_one_job_whose_page_polls_until_it_makes_one_batch(
    settings, areas, township, client_for
):
    from django_tasks_db.models import DBTaskResult

    from jisheng.benefits import jobs
    from jisheng.benefits.models import Batch, BatchJob

    settings.JISHENG_JOBS_SYNC = False  # queued for the worker, as in production
    client = client_for(township)
    form = {"programme": "childcare_subsidy", "year": "2025", "area": areas["township_a"].code}
    answers = [client.post("/benefits/run/", form) for _ in range(20)]
    job = BatchJob.objects.get()
    assert {answer["Location"] for answer in answers} == {f"/benefits/jobs/{job.pk}/"}
    assert DBTaskResult.objects.count() == 1 and job.status == "queued"
    page = client.get(f"/benefits/jobs/{job.pk}/").content.decode()
    assert "排队中" in page and f'hx-get="/benefits/jobs/{job.pk}/"' in page
    jobs.run_job(job.pk)  # what the worker does
    part = client.get(f"/benefits/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "已完成" in part and "hx-get" not in part and "批次已生成：3 条" in part
    batch = Batch.objects.get()
    assert f"/benefits/batches/{batch.pk}/" in part
    for _ in range(20):  # asked again once done: the open batch is found, not made again
        client.post("/benefits/run/", form)
    for again in BatchJob.objects.filter(status="queued"):
        jobs.run_job(again.pk)
    assert Batch.objects.count() == 1 and set(BatchJob.objects.values_list("batch", flat=True)) == {batch.pk}


def test_an_export_asked_by_the_approver_is_refused_at_once_and_the_payer_queues_one(
    settings, areas, township, make_user, client_for
):
    from jisheng.benefits import services
    from jisheng.benefits.models import BatchJob, Payment

    from .factories import give_accounts

    settings.JISHENG_JOBS_SYNC = False
    approver = make_user(areas["county"], "county_staff", username="approver")
    payer = make_user(areas["county"], "county_staff", username="payer")
    batch = services.batch_propose(
        programme_id="childcare_subsidy", year=2025, area=areas["township_a"], by=township
    )
    give_accounts(batch)
    batch.lines.update(status="approved")
    type(batch).objects.filter(pk=batch.pk).update(status="approved", approved_by=approver)
    refused = client_for(approver).post(f"/benefits/batches/{batch.pk}/pay/", follow=True)
    assert not BatchJob.objects.exists() and "审批" in refused.content.decode()
    client = client_for(payer)
    for _ in range(20):
        client.post(f"/benefits/batches/{batch.pk}/pay/")
    job = BatchJob.objects.get()
    assert job.kind == "export" and job.batch_id == batch.pk and not Payment.objects.exists()


def test_whoever_started_a_queued_run_cancels_it_from_its_page_and_no_one_else_can(
    settings, areas, township, make_user, client_for
):
    from django_tasks_db.models import DBTaskResult

    from jisheng.benefits.models import Batch, BatchJob

    settings.JISHENG_JOBS_SYNC = False
    client = client_for(township)
    client.post(
        "/benefits/run/", {"programme": "childcare_subsidy", "year": "2025", "area": areas["township_a"].code}
    )
    job = BatchJob.objects.get()
    colleague = client_for(make_user(areas["township_a"], "township_head", username="colleague"))
    assert "job-cancel" not in colleague.get(f"/benefits/jobs/{job.pk}/").content.decode()
    colleague.post(f"/benefits/jobs/{job.pk}/cancel/")
    job.refresh_from_db()
    assert job.status == "queued"
    assert 'id="job-cancel"' in client.get(f"/benefits/jobs/{job.pk}/").content.decode()
    page = client.post(f"/benefits/jobs/{job.pk}/cancel/", follow=True).content.decode()
    job.refresh_from_db()
    assert job.status == "failed" and "取消" in job.message and "取消" in page
    assert DBTaskResult.objects.get().status == "FAILED" and not Batch.objects.exists()
    assert client.post(f"/benefits/jobs/{job.pk}/cancel/").status_code == 302  # a second click is harmless


def test_a_run_for_an_unknown_programme_or_a_year_that_is_not_one_is_refused_in_chinese(
    settings, areas, township, client_for
):
    from jisheng.benefits.models import BatchJob

    settings.JISHENG_JOBS_SYNC = False
    client = client_for(township)
    page = client.post(
        "/benefits/run/",
        {"programme": "childcare_subsidy", "year": "99999", "area": areas["township_a"].code},
        follow=True,
    )
    assert page.status_code == 200 and "不是有效年份" in page.content.decode()
    assert not BatchJob.objects.exists()
