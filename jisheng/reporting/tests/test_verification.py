"""核实: rules, reported-versus-registry comparison with the records behind it, outliers, and approval."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from jisheng.reporting import services
from jisheng.reporting.definitions import form_files
from jisheng.reporting.verification import check_outliers, check_rules

from .helpers import births, fill_and_submit, on_time


def test_a_rule_flags_births_by_sex_that_do_not_add_up():
    form = form_files()["village_month"]
    findings = check_rules(form, {"births": 5, "births_sex_1": 2, "births_sex_2": 2})
    assert [finding["code"] for finding in findings] == ["births_by_sex"]
    assert findings[0]["importance"] == "high"


def test_a_figure_far_from_the_areas_history_is_an_outlier():
    form = form_files()["village_month"]
    history = [{"births": n} for n in (5, 7, 8, 7, 6, 8)]
    z_findings = check_outliers(form, {"births": 30}, history)
    assert [f["code"] for f in z_findings] == ["z:births"]
    range_findings = check_outliers(form, {"births": 9}, history)
    assert [f["code"] for f in range_findings] == ["range:births"]
    assert check_outliers(form, {"births": 7}, history) == []


@pytest.mark.django_db
def test_a_village_reporting_12_births_where_the_registry_has_7_is_flagged_and_approval_needs_an_explanation(
    areas, forms, month, staff, client_for
):
    births(areas["village_a"], datetime.date(2026, 10, 3), male=4, female=3)
    report = services.report_open(
        form=forms["village_month"], period=month, area=areas["village_a"], by=staff["village"]
    )
    assert report.values["births"] == 7
    services.report_save_values(
        report=report,
        values={"births": 12, "births_sex_1": 7, "births_sex_2": 5, "births_order_1": 12},
        by=staff["village"],
    )
    fill_and_submit(report, staff["village"], on_time(month))
    registry_findings = [f for f in report.findings if f["kind"] == "registry" and f["item"] == "births"]
    assert registry_findings and registry_findings[0]["difference"] == 5
    assert registry_findings[0]["reported"] == 12 and registry_findings[0]["registry"] == 7

    client = client_for(staff["clerk"])
    page = client.get(f"/reporting/{report.pk}/").content.decode()
    assert "approve-report" in page and 'name="explanation"' in page
    response = client.post(f"/reporting/{report.pk}/approve/", {"explanation": ""}, follow=True)
    report.refresh_from_db()
    assert report.status == "submitted"
    assert "explain" in response.content.decode() or "说明" in response.content.decode()

    records = client.get(f"/reporting/{report.pk}/records/births/").content.decode()
    assert records.count("<tr>") == 1 + 7  # header and the seven births behind the registry figure

    with pytest.raises(ValidationError):
        services.report_approve(report=report, by=staff["clerk"])
    services.report_approve(report=report, explanation="补录5例院外分娩，信息库待更新", by=staff["clerk"])
    assert report.is_locked and report.explanation.startswith("补录")


@pytest.mark.django_db
def test_verification_on_demand_uses_the_current_registry(areas, forms, month, staff):
    report = services.report_open(
        form=forms["village_month"], period=month, area=areas["village_a"], by=staff["village"]
    )
    births(areas["village_a"], datetime.date(2026, 10, 20), female=1)  # recorded after the report was opened
    services.report_verify(report=report, by=staff["village"])
    assert any(f["kind"] == "registry" and f["item"] == "births" for f in report.findings)
