"""Four eyes on reports (issue 19, item 5): whoever compiled or submitted a report cannot approve it.

The report's steps are compile (open, type or compile its figures), submit and approve; the rule itself
is the shared one of jisheng.accounts.permissions. Below the city the level above approves, so one person
could only take two steps at the top: the city compiles its own report and, until now, approved it too.
"""

import pytest
from django.core.exceptions import PermissionDenied

from jisheng.audit.models import AuditEvent
from jisheng.reporting import services
from jisheng.reporting.models import Report

from .helpers import fill_and_submit, on_time


def county_month_approved(areas, forms, month, staff, make_user):
    """Every village, both townships and the county approved; returns the two city staff."""
    form = forms["village_month"]
    clerk_b = make_user(areas["township_b"], "counter_clerk")
    officer_b = make_user(areas["village_b"], "village_officer")
    city = [make_user(areas["city"], "city_staff"), make_user(areas["city"], "city_staff")]
    for area, officer, clerk in (
        ("village_a", staff["village"], staff["clerk"]),
        ("village_a2", staff["village2"], staff["clerk"]),
        ("village_b", officer_b, clerk_b),
    ):
        report = services.report_open(form=form, period=month, area=areas[area], by=officer)
        fill_and_submit(report, officer, on_time(month))
        services.report_approve(report=report, by=clerk, explanation="已核实")
    for township, clerk in (("township_a", staff["clerk"]), ("township_b", clerk_b)):
        report = services.report_compile(form=form, period=month, area=areas[township], by=clerk)
        fill_and_submit(report, clerk, on_time(month))
        services.report_approve(report=report, by=staff["county"], explanation="已核实")
    county = services.report_compile(form=form, period=month, area=areas["county"], by=staff["county"])
    fill_and_submit(county, staff["county"], on_time(month))
    services.report_approve(report=county, by=city[0], explanation="已核实")
    return city


@pytest.mark.django_db
def test_the_city_staff_who_compiled_and_submitted_the_city_report_cannot_approve_it(
    areas, forms, month, staff, make_user
):
    first, second = county_month_approved(areas, forms, month, staff, make_user)
    city = services.report_compile(form=forms["village_month"], period=month, area=areas["city"], by=first)
    fill_and_submit(city, first, on_time(month))
    with pytest.raises(PermissionDenied, match="双人复核：您已编制此事项，不能再审批"):
        services.report_approve(report=city, by=first, explanation="已核实")
    city.refresh_from_db()
    assert city.status == Report.Status.SUBMITTED
    services.report_approve(report=city, by=second, explanation="已核实")
    assert city.status == Report.Status.APPROVED
    assert AuditEvent.objects.get(action="reporting.approve", object_id=str(city.pk)).actor == second


@pytest.mark.django_db
def test_submitting_alone_is_a_step_too(areas, forms, month, staff, make_user):
    first, second = county_month_approved(areas, forms, month, staff, make_user)
    city = services.report_compile(form=forms["village_month"], period=month, area=areas["city"], by=first)
    fill_and_submit(city, second, on_time(month))  # compiled by the first, submitted by the second
    with pytest.raises(PermissionDenied, match="双人复核"):
        services.report_approve(report=city, by=second, explanation="已核实")
    with pytest.raises(PermissionDenied, match="双人复核"):
        services.report_approve(report=city, by=first, explanation="已核实")


@pytest.mark.django_db
def test_the_page_offers_the_approval_only_to_another_person(
    areas, forms, month, staff, make_user, client_for
):
    first, second = county_month_approved(areas, forms, month, staff, make_user)
    city = services.report_compile(form=forms["village_month"], period=month, area=areas["city"], by=first)
    fill_and_submit(city, first, on_time(month))
    own = client_for(first).get(f"/reporting/{city.pk}/").content.decode()
    assert 'id="four-eyes"' in own and 'id="approve-report"' not in own
    refused = client_for(first).post(f"/reporting/{city.pk}/approve/", {"explanation": "已核实"}, follow=True)
    assert "双人复核" in refused.content.decode()
    other = client_for(second).get(f"/reporting/{city.pk}/").content.decode()
    assert 'id="approve-report"' in other and 'id="four-eyes"' not in other
