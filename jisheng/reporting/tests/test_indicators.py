"""Indicators computed live from the registry match a hand computation, for a village, township and county."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from jisheng.reporting import compute, definitions, queries
from jisheng.reporting.periods import parse


def figures(area):
    return compute.compute_area(definitions.form_files()["village_month"], parse("2026-M10"), area)


def value(code, area):
    return queries.indicator_result(definitions.indicators()[code], figures(area))


@pytest.mark.django_db
def test_sex_ratio_at_birth_is_male_per_100_female_for_county_and_each_township(registry):
    county, township_a, township_b = (
        value("sex_ratio_at_birth", registry["county"]),
        value("sex_ratio_at_birth", registry["township_a"]),
        value("sex_ratio_at_birth", registry["township_b"]),
    )
    assert (county.numerator, county.denominator) == (115, 110)
    assert county.value == pytest.approx(115 / 110 * 100)
    assert township_a.value == pytest.approx(106.0) and township_a.in_range is True
    assert township_b.value == pytest.approx(90.0) and township_b.in_range is False


@pytest.mark.django_db
def test_birth_defect_rate_is_per_10000_births(registry):
    result = value("birth_defect_rate", registry["township_a"])
    assert (result.numerator, result.denominator) == (3, 206)
    assert result.value == pytest.approx(3 / 206 * 10000)
    assert result.in_range is False  # 145.6 per 10,000 is above the normal ceiling of 100


@pytest.mark.django_db
def test_contraceptive_prevalence_counts_married_women_15_to_49(registry):
    result = value("contraceptive_prevalence", registry["village_a"])
    assert (result.numerator, result.denominator) == (2, 5)


@pytest.mark.django_db
def test_births_by_order_shares(registry):
    assert value("third_plus_birth_share", registry["county"]).numerator == 19
    assert value("first_birth_share", registry["township_a"]).value == pytest.approx(110 / 206 * 100)


@pytest.mark.django_db
def test_the_indicator_command_prints_value_numerator_and_denominator(registry):
    out = StringIO()
    call_command(
        "indicator", "sex_ratio_at_birth", "--period", "2026-M10", "--area", "411723", "--json", stdout=out
    )
    data = json.loads(out.getvalue())
    assert (data["numerator"], data["denominator"], data["value"]) == (115, 110, round(115 / 110 * 100, 2))
    assert data["in_range"] is True  # 104.5 lies within 103–107


@pytest.mark.django_db
def test_the_report_compute_command_prints_the_prefilled_items(registry):
    out = StringIO()
    call_command(
        "report",
        "compute",
        "village_month",
        "--period",
        "2026-M10",
        "--area",
        "411723101",
        "--json",
        stdout=out,
    )
    items = {item["code"]: item["value"] for item in json.loads(out.getvalue())["items"]}
    assert items["births"] == 206 and items["births_sex_1"] == 106 and items["births_defect"] == 3
    assert "migrants_out_new" not in items  # entered by hand, not computed
    assert items["campaign_sessions"] == 0  # counted from outreach's records: none this month
