"""The API runs the same flow as the pages; the staff home shows the reporting work waiting."""

import datetime

import pytest

from jisheng.reporting import clock, services
from jisheng.reporting.periods import containing

from .helpers import MANUAL, births


@pytest.mark.django_db
def test_a_village_report_goes_through_the_api(areas, forms, month, staff, client_for):
    births(areas["village_a"], datetime.date(2026, 10, 3), male=1)
    village = client_for(staff["village"])
    opened = village.post(
        "/api/v1/reporting/reports",
        {"form": "village_month", "period": "2026-M10"},
        content_type="application/json",
    )
    assert opened.status_code == 200, opened.content
    report_id = opened.json()["id"]
    assert opened.json()["values"]["births"] == 1
    bad = village.put(
        f"/api/v1/reporting/reports/{report_id}/values",
        {"values": {"migrants_out_new": "x"}},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "新增流出人口数" in bad.json()["detail"]
    village.put(
        f"/api/v1/reporting/reports/{report_id}/values", {"values": MANUAL}, content_type="application/json"
    )
    submitted = village.post(f"/api/v1/reporting/reports/{report_id}/submit")
    assert submitted.json()["status"] == "submitted" and submitted.json()["late"] is True
    assert (
        village.post(
            f"/api/v1/reporting/reports/{report_id}/approve", {}, content_type="application/json"
        ).status_code
        == 403
    )

    clerk = client_for(staff["clerk"])
    listing = clerk.get("/api/v1/reporting/submissions?period=2026-M10").json()
    assert [row["status"] for row in listing["areas"]] == ["submitted", None]
    assert [row["completeness"] for row in listing["completeness"]] == [100.0, 0.0]
    approved = clerk.post(
        f"/api/v1/reporting/reports/{report_id}/approve", {"text": ""}, content_type="application/json"
    )
    assert approved.status_code == 202 and approved.json()["kind"] == "approve", approved.content
    assert clerk.get(approved.json()["status_url"]).json()["status"] == "done"
    assert clerk.get(f"/api/v1/reporting/reports/{report_id}").json()["status"] == "approved"

    indicator = clerk.get(
        "/api/v1/reporting/indicators/sex_ratio_at_birth?period=2026-M10&area=411723101201"
    ).json()
    assert indicator["live"]["numerator"] == 1 and indicator["live"]["value"] is None  # no girls: no ratio
    assert clerk.get("/api/v1/reporting/indicators/sex_ratio_at_birth?area=411723102201").status_code == 404


@pytest.mark.django_db
def test_the_home_shows_reports_waiting_and_villages_not_yet_submitted(areas, forms, staff, client_for):
    month = containing("month", clock.today())
    report = services.report_open(
        form=forms["village_month"], period=month, area=areas["village_a"], by=staff["village"]
    )
    home = client_for(staff["clerk"]).get("/").content.decode()
    assert "未上报的下级单位" in home
    services.report_save_values(report=report, values=MANUAL, by=staff["village"])
    services.report_submit(report=report, by=staff["village"])
    home = client_for(staff["clerk"]).get("/").content.decode()
    assert "待我审核的报表" in home
    assert "本月报表" in client_for(staff["village2"]).get("/").content.decode()
