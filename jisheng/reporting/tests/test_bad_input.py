"""Bad input to reporting pages and the API gives a Chinese 4xx, never a 500 (issue 15): figures such as
nan, inf and 1e400, and periods that are not periods."""

import json

import pytest

from jisheng.reporting import services


@pytest.fixture
def report(areas, forms, month, staff):
    return services.report_open(
        form=forms["village_month"], period=month, area=areas["village_a"], by=staff["village"]
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed", ["nan", "inf", "-inf", "1e400", "1e5", "-1", "2.5", "三", "0x10", "1000000000"]
)
def test_a_figure_that_is_not_a_count_is_refused_in_chinese_keeping_what_was_typed(
    report, staff, client_for, typed
):
    response = client_for(staff["village"]).post(
        f"/reporting/{report.pk}/save/", {"campaign_sessions": typed, "materials_distributed": "120"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "宣传服务活动场次" in html and ("不是大于等于0的整数" in html or "超出" in html), html[:3000]
    assert f'name="campaign_sessions" value="{typed}"' in html
    assert 'name="materials_distributed" value="120"' in html
    report.refresh_from_db()
    assert report.values["campaign_sessions"] is None and report.values["materials_distributed"] is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "raw", ["NaN", "Infinity", "1e400", "-1", "1.5", "true", '"abc"', "12345678901234567890"]
)
def test_the_api_refuses_the_same_figures_with_a_400(report, staff, client_for, raw):
    response = client_for(staff["village"]).put(
        f"/api/v1/reporting/reports/{report.pk}/values",
        '{"values": {"campaign_sessions": ' + raw + "}}",
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert "宣传服务活动场次" in response.json()["detail"]


@pytest.mark.django_db
def test_a_plain_count_is_still_accepted_in_every_spelling(report, staff, client_for):
    client = client_for(staff["village"])
    client.post(
        f"/reporting/{report.pk}/save/", {"campaign_sessions": "１２", "materials_distributed": "1,200"}
    )
    client.put(
        f"/api/v1/reporting/reports/{report.pk}/values",
        json.dumps({"values": {"contraceptives_distributed": 7.0, "prepregnancy_target": "8"}}),
        content_type="application/json",
    )
    report.refresh_from_db()
    assert [report.values[code] for code in ("campaign_sessions", "materials_distributed")] == [12, 1200]
    assert [report.values[code] for code in ("contraceptives_distributed", "prepregnancy_target")] == [7, 8]


PERIODS = ["abc", "99999", "9999-M12", "0000-M01", "2026-M13", "2026-M00", "x" * 5000, "2026-W99", "nan"]


@pytest.mark.django_db
@pytest.mark.parametrize("period", PERIODS)
def test_a_period_that_is_not_a_period_never_breaks_a_page(areas, forms, staff, client_for, period):
    client = client_for(staff["clerk"])
    for url in ("/reporting/", "/reporting/dashboard/", "/reporting/dashboard/trend.xlsx"):
        assert client.get(url, {"period": period}).status_code == 200, url
    for url in ("/api/v1/reporting/submissions", "/api/v1/reporting/indicators/sex_ratio_at_birth"):
        response = client.get(url, {"period": period})
        assert response.status_code == 400, (url, response.status_code)
        assert "周期" in response.json()["detail"]


@pytest.mark.django_db
def test_a_period_that_is_not_a_period_is_refused_when_opening_a_report(areas, forms, staff, client_for):
    client = client_for(staff["village"])
    response = client.post(
        "/api/v1/reporting/reports",
        {"form": "village_month", "period": "0000-M01"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "周期" in response.json()["detail"]
    page = client.post("/reporting/open/", {"form": "village_month", "period": "99999"})
    assert page.status_code == 302  # the current period is opened instead, as the picker shows it


@pytest.mark.django_db
def test_an_area_that_is_not_an_area_is_a_chinese_404(areas, forms, staff, client_for):
    response = client_for(staff["clerk"]).get("/reporting/dashboard/", {"area": "abc"})
    assert response.status_code == 404
    assert 'lang="zh-hans"' in response.content.decode()  # the shell's Chinese 404 page
