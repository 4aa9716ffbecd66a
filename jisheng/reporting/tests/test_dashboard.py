"""The dashboard: indicators for the county and each township match a hand computation; drill-down;
every table downloads as .xlsx; the monthly summary prints as a Chinese PDF."""

import io
import re
import subprocess
import tempfile

import pytest
from openpyxl import load_workbook


@pytest.fixture
def county_client(registry, make_user, client_for):
    return client_for(make_user(registry["county"], "county_staff"))


def cell(html, row_attr, column_class=None):
    row = re.search(rf"<tr {row_attr}>(.*?)</tr>", html, re.S)
    assert row, row_attr
    return row.group(1)


@pytest.mark.django_db
def test_the_county_dashboard_shows_sex_ratio_and_defect_rate_for_the_county_and_each_township(county_client):
    html = county_client.get("/reporting/dashboard/?period=2026-M10").content.decode()
    county_sex_ratio = cell(html, 'data-indicator="sex_ratio_at_birth"')
    assert f"{115 / 110 * 100:.2f}" in county_sex_ratio  # 104.55
    assert f"{3 / 225 * 10000:.2f}" in cell(html, 'data-indicator="birth_defect_rate"')  # 133.33
    township_a = cell(html, 'data-area="411723101000"')
    assert "106.00" in township_a and f"{3 / 206 * 10000:.2f}" in township_a
    township_b = cell(html, 'data-area="411723102000"')
    assert "90.00" in township_b and "out-of-range" in township_b  # 9 boys for 10 girls
    assert "vendor/echarts.min.js" in html and 'id="dashboard-data"' in html
    assert "<script>" not in html  # no inline script under the CSP


@pytest.mark.django_db
def test_drill_down_reaches_a_village(county_client, registry):
    village = county_client.get("/reporting/dashboard/?period=2026-M10&area=411723101201").content.decode()
    assert "王庄村" in village and f"{60 / 50 * 100:.2f}" in village


@pytest.mark.django_db
def test_a_township_cannot_open_the_dashboard_of_its_sibling(registry, make_user, client_for):
    client = client_for(make_user(registry["township_a"], "counter_clerk"))
    assert client.get("/reporting/dashboard/?area=411723102000").status_code == 404
    assert client.get("/reporting/dashboard/?area=411723").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("table", ["areas", "indicators", "completeness", "trend", "submissions"])
def test_every_dashboard_table_downloads_as_xlsx(county_client, table):
    response = county_client.get(f"/reporting/dashboard/{table}.xlsx?period=2026-M10")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) >= 2
    if table == "areas":
        assert rows[1][:5] == ("411723101000", "庙湾镇", 206, 106, 100)


@pytest.mark.django_db
def test_the_monthly_summary_prints_as_a_chinese_pdf(county_client):
    response = county_client.get("/reporting/summary.pdf?period=2026-M10")
    assert response["Content-Type"] == "application/pdf"
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(response.content)
        handle.flush()
        text = subprocess.run(
            ["pdftotext", handle.name, "-"], capture_output=True, text=True, check=True
        ).stdout
    assert "平舆县" in text and "出生人口性别比" in text and "庙湾镇" in text
    assert "104.55" in text
