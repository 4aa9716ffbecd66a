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
        f"/reporting/{report.pk}/save/", {"migrants_out_new": typed, "migrants_checklist_done": "120"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "新增流出人口数" in html and ("不是大于等于0的整数" in html or "超出" in html), html[:3000]
    assert f'name="migrants_out_new" value="{typed}"' in html
    assert 'name="migrants_checklist_done" value="120"' in html
    report.refresh_from_db()
    assert report.values["migrants_out_new"] is None and report.values["migrants_checklist_done"] is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "raw", ["NaN", "Infinity", "1e400", "-1", "1.5", "true", '"abc"', "12345678901234567890"]
)
def test_the_api_refuses_the_same_figures_with_a_400(report, staff, client_for, raw):
    response = client_for(staff["village"]).put(
        f"/api/v1/reporting/reports/{report.pk}/values",
        '{"values": {"migrants_out_new": ' + raw + "}}",
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert "新增流出人口数" in response.json()["detail"]


@pytest.mark.django_db
def test_a_plain_count_is_still_accepted_in_every_spelling(report, staff, client_for):
    client = client_for(staff["village"])
    client.post(f"/reporting/{report.pk}/save/", {"migrants_out_new": "１２", "prepregnancy_target": "1,200"})
    client.put(
        f"/api/v1/reporting/reports/{report.pk}/values",
        json.dumps({"values": {"cancer_screen_target": 7.0, "migrants_checklist_done": "8"}}),
        content_type="application/json",
    )
    report.refresh_from_db()
    assert [report.values[code] for code in ("migrants_out_new", "prepregnancy_target")] == [12, 1200]
    assert [report.values[code] for code in ("cancer_screen_target", "migrants_checklist_done")] == [7, 8]


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
