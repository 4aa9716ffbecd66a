"""Report forms, rules and indicators are data: loaded from the policy files, versioned, checked."""

import datetime

import pytest

from jisheng.audit.models import AuditEvent
from jisheng.reporting import services
from jisheng.reporting.definitions import Form, PolicyError, form_files, indicators, rules
from jisheng.reporting.expressions import ExpressionError, evaluate, parse
from jisheng.reporting.models import ReportForm
from tests.factories import SETUP

from .helpers import births


def test_every_period_type_has_a_form_and_disaggregations_become_sub_items():
    forms = form_files()
    assert {form.period_type for form in forms.values()} == {"day3", "week", "month", "quarter", "year"}
    month = forms["village_month"]
    assert month.item("births_sex_1").parent == "births"
    assert month.item("contraception_new_method_700").where == {"method": "700"}
    assert not month.item("migrants_out_new").is_computed
    assert month.item("campaign_sessions").measure == "outreach_campaigns_held"
    assert len(forms["village_3day"].items) < len(forms["village_week"].items) < len(month.items)


def test_the_shipped_rules_and_indicators_parse():
    assert {rule.importance for rule in rules()} <= {"high", "medium", "low"}
    sex_ratio = indicators()["sex_ratio_at_birth"]
    assert (sex_ratio.low, sex_ratio.high, sex_ratio.scale) == (103, 107, 100)


def test_a_form_with_an_unknown_measure_is_refused_naming_the_item():
    data = {
        "code": "x",
        "name": "x",
        "period_type": "month",
        "items": [{"code": "a", "label": "甲", "measure": "nope"}],
    }
    with pytest.raises(PolicyError, match="第 1 项.*nope"):
        Form.from_data(data, "x.toml")


def test_expressions_allow_arithmetic_only():
    assert evaluate("(a + b) * 2 / c", {"a": 1, "b": 2, "c": 3}) == 2
    assert evaluate("a / b", {"a": 1, "b": 0}) is None
    with pytest.raises(ExpressionError):
        parse("__import__('os')")


@pytest.mark.django_db
def test_loading_forms_twice_changes_nothing_and_is_audited_once():
    services.forms_load(by=SETUP)
    services.forms_load(by=SETUP)
    assert ReportForm.objects.count() == len(form_files())
    assert AuditEvent.objects.filter(action="reporting.form_load").count() == len(form_files())


@pytest.mark.django_db
def test_weekly_and_three_day_reports_follow_the_same_path(areas, forms, staff):
    from jisheng.outreach import services as outreach
    from jisheng.reporting.periods import parse as period

    births(areas["village_a"], datetime.date(2026, 11, 24), male=1)
    outreach.campaign_record(
        by=SETUP,
        area=areas["village_a"],
        name="集市健康日",
        kind="market_day",
        starts_on=datetime.date(2026, 11, 24),
        ends_on=datetime.date(2026, 11, 24),
        places="集市",
        people_reached=80,
    )
    for code, key in (("village_week", "2026-W48"), ("village_3day", "2026-D3-110")):
        report = services.report_open(
            form=forms[code], period=period(key), area=areas["village_a"], by=staff["village"]
        )
        assert report.values["births"] == 1
        assert report.values["campaign_sessions"] == 1  # counted from outreach's records, not typed
        services.report_submit(report=report, by=staff["village"])
        services.report_approve(report=report, by=staff["clerk"])
        assert report.is_locked
