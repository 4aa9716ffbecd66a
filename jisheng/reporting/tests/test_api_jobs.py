"""The API queues report compilations and approvals as the pages do: 202 with the job and its status
URL, twenty identical requests make one job, the job's state, the area reached and a failure's Chinese
reason are read through the API within the caller's area, and the starter can cancel."""

import pytest
from django_tasks_db.models import DBTaskResult

from jisheng.core import jobs as core_jobs
from jisheng.reporting import services
from jisheng.reporting.models import Report, ReportJob

from .helpers import fill_and_submit, on_time

pytestmark = pytest.mark.django_db


def _submitted(forms, month, areas, staff, village="village_a", officer="village"):
    report = services.report_open(
        form=forms["village_month"], period=month, area=areas[village], by=staff[officer]
    )
    return fill_and_submit(report, staff[officer], on_time(month))


def _approve(client, report):
    return client.post(
        f"/api/v1/reporting/reports/{report.pk}/approve", {"text": ""}, content_type="application/json"
    )


def test_a_compilation_through_the_api_answers_202_and_its_status_url_leads_to_the_report(
    areas, forms, month, staff, client_for
):
    for village, officer in (("village_a", "village"), ("village_a2", "village2")):
        report = _submitted(forms, month, areas, staff, village, officer)
        services.report_approve(report=report, by=staff["clerk"])
    clerk = client_for(staff["clerk"])
    answer = clerk.post("/api/v1/reporting/compile", {"period": "2026-M10"}, content_type="application/json")
    assert answer.status_code == 202, answer.content
    job = answer.json()
    assert job["kind"] == "compile" and job["status_url"] == f"/api/v1/reporting/jobs/{job['id']}"
    state = clerk.get(job["status_url"]).json()
    assert (
        state["status"] == "done"
        and Report.objects.get(pk=state["report"]).area_id == areas["township_a"].code
    )


def test_twenty_identical_approvals_make_one_queued_job(areas, forms, month, staff, client_for, settings):
    settings.JISHENG_JOBS_SYNC = False  # the job stays queued for the worker
    report = _submitted(forms, month, areas, staff)
    clerk = client_for(staff["clerk"])
    answers = [_approve(clerk, report) for _ in range(20)]
    assert {a.status_code for a in answers} == {202}
    assert len({a.json()["id"] for a in answers}) == 1
    assert ReportJob.objects.count() == 1 and DBTaskResult.objects.count() == 1
    report.refresh_from_db()
    assert answers[0].json()["status"] == "queued" and report.status == "submitted"


def test_a_running_compilation_shows_the_area_reached_and_another_township_gets_a_json_404(
    areas, forms, month, staff, client_for, settings, make_user
):
    settings.JISHENG_JOBS_SYNC = False
    clerk = client_for(staff["clerk"])
    job = clerk.post(
        "/api/v1/reporting/compile", {"period": "2026-M10"}, content_type="application/json"
    ).json()
    core_jobs.checkpoint(
        ReportJob.objects.get(pk=job["id"]).task_id, "report_compile:areas", done=3, total=12, unit="areas"
    )
    state = clerk.get(job["status_url"]).json()
    assert state["progress"] == "第 3/12 个地区" and state["status"] == "queued"
    other = client_for(make_user(areas["township_b"], "counter_clerk")).get(job["status_url"])
    assert other.status_code == 404 and other["Content-Type"].startswith("application/json")


def test_a_compilation_with_a_village_not_approved_fails_with_its_chinese_reason(
    areas, forms, month, staff, client_for
):
    _submitted(forms, month, areas, staff)
    clerk = client_for(staff["clerk"])
    job = clerk.post(
        "/api/v1/reporting/compile", {"period": "2026-M10"}, content_type="application/json"
    ).json()
    state = clerk.get(job["status_url"]).json()
    assert state["status"] == "failed" and areas["village_a"].name in state["message"]
    assert "重新" in state["advice"]


def test_an_approval_refused_at_once_is_a_json_403_and_the_starter_cancels_a_queued_one(
    areas, forms, month, staff, client_for, settings
):
    settings.JISHENG_JOBS_SYNC = False
    report = _submitted(forms, month, areas, staff)
    refused = _approve(client_for(staff["village"]), report)
    assert refused.status_code == 403 and refused.json()["detail"]
    clerk = client_for(staff["clerk"])
    job = _approve(clerk, report).json()
    cancelled = clerk.post(f"/api/v1/reporting/jobs/{job['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "failed"
    assert "取消" in cancelled.json()["message"]
    report.refresh_from_db()
    assert report.status == "submitted"
