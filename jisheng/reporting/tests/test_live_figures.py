"""Live figures are live, and a page view writes nothing (issue 19, item 8).

The dashboard used to store the registry's figures at its first view (writing an audit event) and show
those frozen figures ever after: a birth recorded later never reached its month.
"""

import datetime
import re
from contextlib import contextmanager

import pytest
from django.db.models.signals import m2m_changed, post_delete, post_save

from jisheng.audit.models import AuditEvent
from jisheng.registry import services as registry
from jisheng.registry.codes import Sex
from jisheng.reporting import services

from .helpers import births, fill_and_submit, on_time, person

OCTOBER = "2026-M10"


def live_births(html: str) -> str:
    row = re.search(r'<tr data-area="411723101201">(.*?)</tr>', html, re.S)
    assert row, html[:2000]
    return re.findall(r"<td>(.*?)</td>", row.group(1), re.S)[1].strip()


@pytest.mark.django_db
def test_a_birth_recorded_now_appears_in_the_live_figure_of_its_month_at_the_next_view(
    areas, make_user, client_for
):
    births(areas["village_a"], datetime.date(2026, 10, 5), male=2, female=1)
    township = client_for(make_user(areas["township_a"], "counter_clerk"))
    url = f"/reporting/dashboard/?period={OCTOBER}"
    assert live_births(township.get(url).content.decode()) == "3"
    # Recorded through the registry's own service, as the village officer does it.
    officer = make_user(areas["village_a"], "village_officer")
    mother = person(areas["village_a"])
    registry.birth_record(
        mother=mother, date=datetime.date(2026, 10, 20), sex=Sex.FEMALE, child_name="王小花", by=officer
    )
    assert live_births(township.get(url).content.decode()) == "4"
    # And a row written without a service (a correction in the database) is seen as well.
    births(areas["village_a"], datetime.date(2026, 10, 21), male=1)
    assert live_births(township.get(url).content.decode()) == "5"


@contextmanager
def no_writes():
    """Fails when any model row is saved, deleted or linked, except the session's expiry refresh."""
    writes = []

    def saw(sender, **kwargs):
        if sender._meta.label != "sessions.Session":
            writes.append(sender._meta.label)

    receivers = [(post_save, saw), (post_delete, saw), (m2m_changed, saw)]
    for signal, receiver in receivers:
        signal.connect(receiver, weak=False, dispatch_uid=f"no-writes-{id(signal)}")
    events = AuditEvent.objects.count()
    try:
        yield
    finally:
        for signal, _receiver in receivers:
            signal.disconnect(dispatch_uid=f"no-writes-{id(signal)}")
    assert writes == []
    assert AuditEvent.objects.count() == events


def reporting_pages(report_id: int | None) -> list[str]:
    pages = [
        "/reporting/",
        f"/reporting/?period={OCTOBER}",
        "/reporting/?form=village_quarter",
        "/reporting/dashboard/",
        f"/reporting/dashboard/?period={OCTOBER}",
        f"/reporting/dashboard/?period={OCTOBER}&area=411723101201",
        *[
            f"/reporting/dashboard/{table}.xlsx?period={OCTOBER}"
            for table in ("areas", "indicators", "completeness", "trend", "submissions")
        ],
        f"/reporting/summary.pdf?period={OCTOBER}",
        "/api/v1/reporting/reports",
        f"/api/v1/reporting/submissions?period={OCTOBER}",
        f"/api/v1/reporting/indicators/sex_ratio_at_birth?period={OCTOBER}",
    ]
    if report_id is not None:
        pages += [
            f"/reporting/{report_id}/",
            f"/reporting/{report_id}/records/births/",
            f"/api/v1/reporting/reports/{report_id}",
        ]
    return pages


@pytest.mark.django_db
def test_no_reporting_page_writes_anything_before_the_forms_are_loaded(areas, make_user, client_for):
    births(areas["village_a"], datetime.date(2026, 10, 5), male=2, female=1)
    client = client_for(make_user(areas["township_a"], "counter_clerk"))
    with no_writes():
        for url in reporting_pages(None):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)


@pytest.mark.django_db
def test_no_reporting_page_writes_anything_for_any_role(areas, forms, month, staff, make_user, client_for):
    births(areas["village_a"], datetime.date(2026, 10, 5), male=2, female=1)
    report = services.report_open(
        form=forms["village_month"], period=month, area=areas["village_a"], by=staff["village"]
    )
    fill_and_submit(report, staff["village"], on_time(month))
    services.report_approve(report=report, by=staff["clerk"])
    readers = [staff["village"], staff["clerk"], staff["county"], staff["auditor"]]
    for user in readers:
        client = client_for(user)
        with no_writes():
            for url in reporting_pages(report.pk):
                response = client.get(url)
                assert response.status_code in (200, 404), (url, response.status_code)
