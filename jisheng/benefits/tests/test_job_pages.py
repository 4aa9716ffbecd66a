"""A benefit job's page shows the part reached while it runs (refreshed by htmx), and a failed job its
Chinese reason and what to do next."""

import datetime

import pytest

from jisheng.core import jobs as core_jobs

from .factories import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def township(areas, make_user):
    for n in range(3):
        person(areas["village_a"], f"幼{n}", "2", datetime.date(2024, 3, 1 + n))
    return make_user(areas["township_a"], "township_head", username="head")


def test_a_running_payment_export_page_shows_the_payments_written_so_far_and_keeps_polling(
    settings, areas, township, client_for
):
    from jisheng.benefits import services
    from jisheng.benefits.models import BatchJob

    settings.JISHENG_JOBS_SYNC = False
    client = client_for(township)
    client.post(
        "/benefits/run/", {"programme": "childcare_subsidy", "year": "2025", "area": areas["township_a"].code}
    )
    job = BatchJob.objects.get()
    services.batch_job_update(job=job, status=BatchJob.Status.RUNNING, by=township)
    core_jobs.checkpoint(job.task_id, "payments_issue:payments", done=200, total=1200, unit="payments")
    assert 'id="job-cancel"' in client.get(f"/benefits/jobs/{job.pk}/").content.decode()
    response = client.get(f"/benefits/jobs/{job.pk}/", HTTP_HX_REQUEST="true")
    part = response.content.decode()
    assert "进度： 已生成 200/1200 笔付款" in part and f'hx-get="/benefits/jobs/{job.pk}/"' in part
    # The poll redraws only the figures: the Cancel button under a finger is never replaced.
    assert part.startswith('<div id="job-live"') and "<form" not in part and 'id="job-cancel"' not in part
    assert "HX-Retarget" not in response


def test_a_failed_export_page_shows_its_chinese_reason_and_what_to_do(
    settings, areas, township, make_user, client_for
):
    from jisheng.benefits import services
    from jisheng.benefits.models import BatchJob

    approver = make_user(areas["county"], "county_staff", username="approver")
    payer = make_user(areas["county"], "county_staff", username="payer")
    batch = services.batch_propose(
        programme_id="childcare_subsidy", year=2025, area=areas["township_a"], by=township
    )
    batch.lines.update(status="approved")
    type(batch).objects.filter(pk=batch.pk).update(status="approved", approved_by=approver)
    page = client_for(payer).post(f"/benefits/batches/{batch.pk}/pay/", follow=True).content.decode()
    assert "失败" in page and "收款账户" in page and "幼0" in page
    assert 'id="job-advice"' in page and "请按上述原因更正后，在页面上重新提交" in page
    assert "hx-get" not in page.split('id="job"')[1].split(">")[0] and "进度：" not in page
    # A poll that finds the job ended draws the whole card once, in place of the card.
    job = BatchJob.objects.get()
    response = client_for(payer).get(f"/benefits/jobs/{job.pk}/", HTTP_HX_REQUEST="true")
    assert response["HX-Retarget"] == "#job" and response["HX-Reswap"] == "outerHTML"
    part = response.content.decode()
    assert part.startswith('<div id="job" class="card">') and "失败" in part and "hx-get" not in part
