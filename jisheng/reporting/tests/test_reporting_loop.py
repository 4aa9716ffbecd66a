"""The reporting loop (issue 18, item 12): a corrected village report flows up, contradicting figures are
refused, findings read as sentences, late registrations prompt a correction, the period is picked from a
list, a due day off work moves to the next working day, the county compiles, charts skip missing data."""

import datetime
import json
import re

import pytest
from django.core.exceptions import ValidationError

from jisheng.audit.models import AuditEvent
from jisheng.reporting import services, verification
from jisheng.reporting.models import Report
from jisheng.reporting.periods import parse

from .helpers import births, fill_and_submit, on_time


def open_village(forms, month, areas, staff, key="village_a", officer="village"):
    return services.report_open(form=forms["village_month"], period=month, area=areas[key], by=staff[officer])


@pytest.mark.django_db
def test_a_finding_is_a_sentence_with_the_figures_not_a_code(areas, forms):
    spec = forms["village_month"].spec()
    findings = verification.check_rules(spec, {"births": 2, "births_sex_1": 2, "births_sex_2": 1})
    assert [f["message"] for f in findings] == ["男婴与女婴之和（3）不等于出生人数（2）"]
    assert "births_sex_1" not in json.dumps(findings, ensure_ascii=False).replace('"births_by_sex"', "")


@pytest.mark.django_db
def test_a_report_whose_boys_and_girls_do_not_add_up_cannot_be_submitted(areas, forms, month, staff):
    births(areas["village_a"], datetime.date(2026, 10, 5), male=2, female=1)
    report = open_village(forms, month, areas, staff)
    services.report_save_values(report=report, values={"births": 2, "births_order_1": 2}, by=staff["village"])
    with pytest.raises(ValidationError, match="男婴与女婴之和（3）不等于出生人数（2）"):
        fill_and_submit(report, staff["village"], on_time(month))
    report.refresh_from_db()
    assert report.status == Report.Status.DRAFT


@pytest.mark.django_db
def test_an_explanation_excuses_outliers_but_not_arithmetic(areas, forms, month, staff):
    births(areas["village_a"], datetime.date(2026, 10, 5), male=2, female=1)
    report = open_village(forms, month, areas, staff)
    fill_and_submit(report, staff["village"], on_time(month))
    # Figures changed under a submitted report (as data written before this rule existed could be).
    Report.objects.filter(pk=report.pk).update(values={**report.values, "births_sex_2": 5})
    report.refresh_from_db()
    with pytest.raises(ValidationError, match="男婴与女婴之和（7）不等于出生人数（3）"):
        services.report_approve(report=report, by=staff["clerk"], explanation="已电话核实")
    report.refresh_from_db()
    assert report.status == Report.Status.SUBMITTED
    services.report_return(report=report, comment="男女婴数与出生数不符", by=staff["clerk"])
    services.report_save_values(report=report, values={"births_sex_2": 1}, by=staff["village"])
    services.report_submit(report=report, by=staff["village"])
    services.report_approve(report=report, by=staff["clerk"])
    assert report.status == Report.Status.APPROVED


def township_compiled(areas, forms, month, staff):
    births(areas["village_a"], datetime.date(2026, 10, 5), male=2, female=1)
    births(areas["village_a2"], datetime.date(2026, 10, 6), female=2)
    reports = []
    for key, officer in (("village_a", "village"), ("village_a2", "village2")):
        report = open_village(forms, month, areas, staff, key, officer)
        fill_and_submit(report, staff[officer], on_time(month))
        services.report_approve(report=report, by=staff["clerk"])
        reports.append(report)
    township = services.report_compile(
        form=forms["village_month"], period=month, area=areas["township_a"], by=staff["clerk"]
    )
    return reports, township


@pytest.mark.django_db
def test_a_village_corrected_after_unlocking_is_compiled_again_into_the_township(areas, forms, month, staff):
    (village, _other), township = township_compiled(areas, forms, month, staff)
    assert township.values["births"] == 5
    # A birth of October is registered late; the township unlocks the village, which corrects its report.
    births(areas["village_a"], datetime.date(2026, 10, 28), female=1)
    services.report_unlock(report=village, reason="10月28日出生一例漏报", by=staff["clerk"])
    services.report_save_values(
        report=village,
        values={"births": 4, "births_sex_2": 2, "births_order_1": 4},
        by=staff["village"],
    )
    with pytest.raises(ValidationError, match="王庄村"):  # the township waits for its village again
        services.report_submit(report=township, by=staff["clerk"])
    services.report_submit(report=village, by=staff["village"])
    # (the late birth's mother is one more married woman than the report says: a finding to explain)
    services.report_approve(report=village, by=staff["clerk"], explanation="育龄妇女数次月更正")
    township.refresh_from_db()
    assert township.values["births"] == 6 and township.values["births_sex_2"] == 4
    event = AuditEvent.objects.get(action="reporting.recompile", object_id=str(township.pk))
    assert event.before["values"]["births"] == 5 and event.after["values"]["births"] == 6
    services.report_submit(report=township, by=staff["clerk"])
    assert township.status == Report.Status.SUBMITTED


@pytest.mark.django_db
def test_a_compiled_report_is_never_retyped(areas, forms, month, staff):
    _villages, township = township_compiled(areas, forms, month, staff)
    with pytest.raises(ValidationError, match="not typed|不能手工填写|不是手工"):
        services.report_save_values(report=township, values={"births": 9}, by=staff["clerk"])


@pytest.mark.django_db
def test_a_township_figure_that_differs_from_its_approved_villages_is_a_finding(areas, forms, month, staff):
    _villages, township = township_compiled(areas, forms, month, staff)
    Report.objects.filter(pk=township.pk).update(values={**township.values, "births": 7})
    township.refresh_from_db()
    services.report_verify(report=township, by=staff["clerk"])
    found = [f for f in township.findings if f["kind"] == "children"]
    assert [f["message"] for f in found] == ["“出生人数”为 7，下级已审批报表合计为 5"]
    with pytest.raises(ValidationError, match="下级已审批报表合计为 5"):
        services.report_submit(report=township, by=staff["clerk"])


@pytest.mark.django_db
def test_a_late_registered_birth_in_an_approved_month_prompts_its_correction(
    areas, forms, month, staff, client_for
):
    births(areas["village_a"], datetime.date(2026, 10, 5), male=2, female=1)
    report = open_village(forms, month, areas, staff)
    fill_and_submit(report, staff["village"], on_time(month))
    services.report_approve(report=report, by=staff["clerk"])
    village = client_for(staff["village"])
    township = client_for(staff["clerk"])
    assert 'id="corrections"' not in village.get("/reporting/").content.decode()
    births(areas["village_a"], datetime.date(2026, 10, 30), male=1)
    for client in (village, township):
        html = client.get("/reporting/").content.decode()
        notice = re.search(r'<div class="card" id="corrections">(.*?)</div>', html, re.S)
        assert notice, html[:3000]
        assert 'data-area="411723101201" data-period="2026-M10"' in notice.group(1)
        assert "出生人数" in notice.group(1) and "3" in notice.group(1) and "4" in notice.group(1)


@pytest.mark.django_db
def test_the_period_is_picked_from_a_list(areas, forms, staff, client_for):
    html = client_for(staff["village"]).get("/reporting/?period=2026-M10").content.decode()
    picker = re.search(r'<select name="period" id="id_period">(.*?)</select>', html, re.S)
    assert picker and '<option value="2026-M10" selected>' in picker.group(1)
    assert '<input type="text" name="period"' not in html
    dashboard = client_for(staff["clerk"]).get("/reporting/dashboard/?period=2026-M10").content.decode()
    assert re.search(
        r'<select name="period" id="id_period">.*?<option value="2026-M10" selected>', dashboard, re.S
    )


@pytest.mark.django_db
def test_a_due_day_off_work_moves_to_the_next_working_day(areas, forms, staff):
    # April 2026: the village's due day, 3 days after the 30th, is 3 May, inside the May Day holiday
    # (1–5 May); the next working day is Wednesday 6 May.
    april = services.report_open(
        form=forms["village_month"], period=parse("2026-M04"), area=areas["village_a"], by=staff["village"]
    )
    assert april.due_date == datetime.date(2026, 5, 6)
    # December 2026 is due on Sunday 3 January 2027, a year the calendar may not hold: Monday.
    assert services.due_date(parse("2026-M12"), 3) == datetime.date(2027, 1, 4)
    # A working day stays as it is.
    assert services.due_date(parse("2026-M10"), 3) == datetime.date(2026, 11, 3)


@pytest.mark.django_db
def test_the_county_report_compiles_and_goes_up(areas, forms, month, staff, make_user):
    from .test_four_eyes import county_month_approved

    county_month_approved(areas, forms, month, staff, make_user)
    county = Report.objects.get(area=areas["county"], period_key=month.key)
    assert county.status == Report.Status.APPROVED
    assert county.values["births"] == 0 and county.values["migrants_out_new"] == 9


@pytest.mark.django_db
def test_charts_plot_nothing_where_there_is_no_data(areas, forms, month, staff, client_for, make_user):
    births(areas["village_a"], datetime.date(2026, 10, 5), male=2, female=1)
    from jisheng.areas.models import Area, Level

    Area.objects.create(
        code="411723103000", name="西洋店镇", level=Level.TOWNSHIP, parent=areas["county"]
    )  # no village yet
    client = client_for(staff["county"])
    html = client.get("/reporting/dashboard/?period=2026-M10").content.decode()
    data = json.loads(
        re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', html, re.S)[1]
    )
    names = data["areas"]["names"]
    assert data["areas"]["births"][names.index("西洋店镇")] is None
    assert data["areas"]["births"][names.index("庙湾镇")] == 3
    assert data["areas"]["sex_ratio"][names.index("射桥镇")] is None  # no births: no ratio, not 0
    # No approved report in any month: the reported series is empty, not a row of zeros.
    assert set(data["trend"]["reported_births"]) == {None}
