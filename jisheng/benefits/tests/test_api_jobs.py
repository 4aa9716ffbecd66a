"""The API queues benefit runs and payment exports as the pages do: 202 with the job and its status
URL, the same request twenty times makes one job, the job's state, the part reached and a failure's
Chinese reason are read through the API within the caller's area, and the starter can cancel."""

import datetime
import json

import pytest
from django_tasks_db.models import DBTaskResult

from jisheng.benefits import services
from jisheng.benefits.models import Batch, BatchJob
from jisheng.core import jobs as core_jobs

from .factories import person

D = datetime.date
RUN = {"programme": "childcare_subsidy", "year": 2025, "area": "411723101"}


@pytest.fixture
def staff(areas, make_user):
    return {
        "township": make_user(areas["township_a"], "township_head"),
        "county": make_user(areas["county"], "county_staff"),
        "payer": make_user(areas["county"], "county_staff"),
        "other": make_user(areas["township_b"], "township_head"),
    }


@pytest.fixture
def baby(areas):
    return person(areas["village_a"], "王小一", "1", D(2022, 12, 31))


def post(client, url, payload):
    return client.post(url, json.dumps(payload), content_type="application/json")


def test_a_run_through_the_api_answers_202_and_its_status_url_leads_to_the_batch(
    areas, staff, baby, client_for
):
    township = client_for(staff["township"])
    answer = post(township, "/api/v1/benefits/batches", RUN)
    assert answer.status_code == 202, answer.content
    job = answer.json()
    assert job["kind"] == "propose" and job["status_url"] == f"/api/v1/benefits/jobs/{job['id']}"
    state = township.get(job["status_url"]).json()
    assert state["status"] == "done" and state["message"] and state["progress"] == ""
    assert Batch.objects.get(pk=state["batch"]).lines.count() == 1


def test_twenty_identical_run_requests_make_one_queued_job(areas, staff, baby, client_for, settings):
    settings.JISHENG_JOBS_SYNC = False  # the job stays queued for the worker
    township = client_for(staff["township"])
    answers = [post(township, "/api/v1/benefits/batches", RUN) for _ in range(20)]
    assert {a.status_code for a in answers} == {202}
    assert len({a.json()["id"] for a in answers}) == 1
    assert BatchJob.objects.count() == 1 and DBTaskResult.objects.count() == 1
    assert answers[0].json()["status"] == "queued" and Batch.objects.count() == 0


def test_a_job_of_another_township_is_a_json_404(areas, staff, baby, client_for):
    job = post(client_for(staff["township"]), "/api/v1/benefits/batches", RUN).json()
    answer = client_for(staff["other"]).get(job["status_url"])
    assert answer.status_code == 404 and answer["Content-Type"].startswith("application/json")
    assert answer.json()["detail"]


def test_a_running_job_shows_the_part_reached_through_the_api(areas, staff, baby, client_for, settings):
    settings.JISHENG_JOBS_SYNC = False
    township = client_for(staff["township"])
    job = post(township, "/api/v1/benefits/batches", RUN).json()
    task_id = BatchJob.objects.get(pk=job["id"]).task_id
    core_jobs.checkpoint(task_id, "batch_propose:lines", done=500, total=1200, unit="lines")
    state = township.get(job["status_url"]).json()
    assert state["progress"] == "已写入 500/1200 行" and state["reached"] == "batch_propose:lines"


def test_a_payment_export_without_accounts_fails_with_its_chinese_reason_and_what_to_do(
    areas, staff, baby, client_for
):
    batch = services.batch_propose(
        programme_id="childcare_subsidy", year=2025, area=areas["township_a"], by=staff["township"]
    )
    batch = services.batch_start_notice(batch=batch, by=staff["township"], start=D(2020, 1, 1))
    batch = services.batch_review(batch=batch, accept=True, reason="公示无异议", by=staff["township"])
    batch = services.batch_approve(batch=batch, accept=True, reason="同意", by=staff["county"])
    payer = client_for(staff["payer"])
    answer = post(payer, f"/api/v1/benefits/batches/{batch.pk}/decisions", {"step": "pay"})
    assert answer.status_code == 202
    state = payer.get(answer.json()["status_url"]).json()
    assert state["status"] == "failed" and "王小一" in state["message"] and "收款账户" in state["message"]
    assert "重新" in state["advice"]


def test_the_starter_cancels_a_queued_job_through_the_api_and_another_person_may_not(
    areas, staff, baby, client_for, settings, make_user
):
    settings.JISHENG_JOBS_SYNC = False
    township = client_for(staff["township"])
    job = post(township, "/api/v1/benefits/batches", RUN).json()
    colleague = client_for(make_user(areas["township_a"], "township_head"))
    refused = colleague.post(f"/api/v1/benefits/jobs/{job['id']}/cancel")
    assert refused.status_code == 403 and refused.json()["detail"]
    cancelled = township.post(f"/api/v1/benefits/jobs/{job['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "failed"
    assert "取消" in cancelled.json()["message"] and Batch.objects.count() == 0
