"""A report job's page shows the area reached while it runs (refreshed by htmx), and a failed job its
Chinese reason and what to do next."""

import pytest

from jisheng.core import jobs as core_jobs
from jisheng.reporting import services
from jisheng.reporting.models import ReportJob

from .helpers import fill_and_submit, on_time

pytestmark = pytest.mark.django_db


def test_a_running_compilation_page_shows_the_area_reached_and_keeps_polling(
    areas, forms, month, staff, client_for, settings
):
    settings.JISHENG_JOBS_SYNC = False
    job = services.report_job_start(
        kind="compile", form=forms["village_month"], period=month, area=areas["township_a"], by=staff["clerk"]
    )
    services.report_job_update(job=job, status=ReportJob.Status.RUNNING, by=staff["clerk"])
    core_jobs.checkpoint(job.task_id, "report_compile:areas", done=3, total=12, unit="areas")
    client = client_for(staff["clerk"])
    assert 'id="job-cancel"' in client.get(f"/reporting/jobs/{job.pk}/").content.decode()
    response = client.get(f"/reporting/jobs/{job.pk}/", HTTP_HX_REQUEST="true")
    part = response.content.decode()
    assert "进度： 第 3/12 个地区" in part and f'hx-get="/reporting/jobs/{job.pk}/"' in part
    # The poll redraws only the figures: the Cancel button under a finger is never replaced.
    assert part.startswith('<div id="job-live"') and "<form" not in part and 'id="job-cancel"' not in part
    assert "HX-Retarget" not in response


def test_a_failed_compilation_page_shows_the_villages_waiting_and_what_to_do(
    areas, forms, month, staff, client_for
):
    report = services.report_open(
        form=forms["village_month"], period=month, area=areas["village_a"], by=staff["village"]
    )
    fill_and_submit(report, staff["village"], on_time(month))
    job = services.report_job_start(
        kind="compile", form=forms["village_month"], period=month, area=areas["township_a"], by=staff["clerk"]
    )
    from jisheng.reporting import jobs

    jobs.run_job(job.pk)
    page = client_for(staff["clerk"]).get(f"/reporting/jobs/{job.pk}/").content.decode()
    assert "失败" in page and areas["village_a"].name in page and areas["village_a2"].name in page
    assert 'id="job-advice"' in page and "请按上述原因更正后，在页面上重新提交" in page
    assert "进度：" not in page
    # A poll that finds the job ended draws the whole card once, in place of the card.
    response = client_for(staff["clerk"]).get(f"/reporting/jobs/{job.pk}/", HTTP_HX_REQUEST="true")
    assert response["HX-Retarget"] == "#job" and response["HX-Reswap"] == "outerHTML"
    part = response.content.decode()
    assert part.startswith('<div id="job" class="card">') and "失败" in part and "hx-get" not in part
