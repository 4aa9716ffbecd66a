"""Unlocking an approved report cannot be taken back by the next level's compilation: the page asks for
a reason and a ticked confirmation, and the reason is kept in the audit event."""

import pytest

from jisheng.audit.models import AuditEvent
from jisheng.reporting import services
from jisheng.reporting.models import Report

from .helpers import fill_and_submit, on_time


@pytest.mark.django_db
def test_unlocking_on_the_page_asks_for_a_ticked_confirmation_and_a_reason(
    areas, forms, month, staff, client_for
):
    report = services.report_open(
        form=forms["village_month"], period=month, area=areas["village_a"], by=staff["village"]
    )
    fill_and_submit(report, staff["village"], on_time(month))
    services.report_approve(report=report, by=staff["clerk"])
    client = client_for(staff["clerk"])
    page = client.get(f"/reporting/{report.pk}/").content.decode()
    assert 'name="confirm"' in page

    client.post(f"/reporting/{report.pk}/unlock/", {"reason": "出生数漏报一例"})  # not ticked
    report.refresh_from_db()
    assert report.status == Report.Status.APPROVED
    client.post(f"/reporting/{report.pk}/unlock/", {"reason": " ", "confirm": "yes"})  # no reason
    report.refresh_from_db()
    assert report.status == Report.Status.APPROVED

    client.post(f"/reporting/{report.pk}/unlock/", {"reason": "出生数漏报一例", "confirm": "yes"})
    report.refresh_from_db()
    assert report.status == Report.Status.RETURNED
    assert AuditEvent.objects.get(action="reporting.unlock").reason == "出生数漏报一例"
