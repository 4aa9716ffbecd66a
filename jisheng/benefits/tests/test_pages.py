"""The pages of each step render for the roles that use them and call the same engine and services."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from jisheng.benefits import services
from jisheng.benefits.models import Batch
from tests.factories import SETUP

from .factories import give_accounts, person

D = datetime.date


@pytest.fixture
def staff(areas, make_user):
    return {
        "village": make_user(areas["village_a"], "village_officer"),
        "township": make_user(areas["township_a"], "township_head"),
        "county": make_user(areas["county"], "county_staff"),
        "auditor": make_user(areas["county"], "auditor"),
    }


@pytest.fixture
def babies(areas):
    return [
        person(areas["village_a"], "王小一", "1", D(2025, 3, 1)),
        person(areas["village_a2"], "李小二", "2", D(2022, 12, 31)),
        person(areas["village_b"], "张小三", "2", D(2024, 8, 8)),
    ]


def test_the_run_page_shows_proposals_and_reasons_without_saving_anything(areas, staff, babies, client_for):
    client = client_for(staff["township"])
    page = client.get(
        "/benefits/run/", {"programme": "childcare_subsidy", "year": 2025, "area": areas["township_a"].code}
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert "王小一" in text and "李小二" in text and "张小三" not in text
    assert "3300.00" in text and "符合条件" in text
    assert Batch.objects.count() == 0


def test_a_township_head_proposes_a_batch_from_the_run_page(areas, staff, babies, client_for):
    client = client_for(staff["township"])
    response = client.post(
        "/benefits/run/", {"programme": "childcare_subsidy", "year": 2025, "area": areas["township_a"].code}
    )
    batch = Batch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/benefits/batches/{batch.pk}/"
    assert batch.total == Decimal("6900.00")


def test_an_auditor_sees_the_batch_but_is_offered_no_step_and_cannot_take_one(
    areas, staff, babies, client_for
):
    batch = services.batch_propose(
        programme_id="childcare_subsidy", year=2025, area=areas["township_a"], by=SETUP
    )
    client = client_for(staff["auditor"])
    page = client.get(f"/benefits/batches/{batch.pk}/").content.decode()
    assert "王小一" in page and "start-notice" not in page
    client.post(f"/benefits/batches/{batch.pk}/notice/start/", {"days": 7})
    batch.refresh_from_db()
    assert batch.status == Batch.Status.PROPOSED


def test_the_printable_notice_masks_id_numbers(areas, staff, babies, client_for):
    batch = services.batch_propose(
        programme_id="childcare_subsidy", year=2025, area=areas["township_a"], by=SETUP
    )
    services.batch_start_notice(batch=batch, by=SETUP, days=7, start=D(2025, 9, 1))
    page = client_for(staff["village"]).get(f"/benefits/batches/{batch.pk}/notice/").content.decode()
    full = babies[0].id_number
    assert full not in page
    assert f"{full[:6]}********{full[-4:]}" in page
    assert "2025-09-01" in page and "2025-09-08" in page


def test_the_bank_files_keep_accounts_as_text_and_amounts_with_two_decimals(areas, staff, babies, client_for):
    batch = services.batch_propose(
        programme_id="childcare_subsidy", year=2025, area=areas["township_a"], by=SETUP
    )
    give_accounts(batch)
    services.batch_start_notice(batch=batch, by=SETUP, days=7, start=D(2020, 1, 1))
    services.batch_review(batch=batch, accept=True, reason="无异议", by=SETUP)
    services.batch_approve(batch=batch, accept=True, reason="同意", by=SETUP)
    client = client_for(staff["county"])
    client.post(f"/benefits/batches/{batch.pk}/pay/")
    client.post(f"/benefits/batches/{batch.pk}/pay/")  # a retried request
    book = load_workbook(io.BytesIO(client.get(f"/benefits/batches/{batch.pk}/bank.xlsx").content))
    rows = list(book.active.iter_rows(values_only=True))
    assert len(rows) == 3  # header and two payments, once each
    assert rows[1][4] == "6228481234567890128" and book.active.cell(row=2, column=5).data_type == "s"
    assert {r[5] for r in rows[1:]} <= {"王小一", "李小二", "王小三"}  # the account holder beside it
    assert sorted(r[8] for r in rows[1:]) == [3300, 3600]
    assert book.active.cell(row=2, column=9).number_format == "0.00"
    text = client.get(f"/benefits/batches/{batch.pk}/bank.csv").content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert sorted(line[8] for line in lines[1:]) == ["3300.00", "3600.00"]


def test_the_what_if_page_shows_the_difference_by_township(areas, staff, babies, client_for):
    page = (
        client_for(staff["county"])
        .get(
            "/benefits/whatif/",
            {"programme": "childcare_subsidy", "year": 2025, "area": areas["county"].code, "yuan": "5000"},
        )
        .content.decode()
    )
    assert "庙湾镇" in page and "射桥镇" in page
    # 庙湾镇: 3600 + 3300 now; 5000 + 5000/12*11 = 4583.33 under the draft
    assert "6900.00" in page and "9583.33" in page and "2683.33" in page


def test_the_report_counts_households_persons_and_yuan_and_exports_xlsx(areas, staff, babies, client_for):
    services.batch_propose(programme_id="childcare_subsidy", year=2025, area=areas["county"], by=SETUP)
    client = client_for(staff["county"])
    page = client.get("/benefits/reports/", {"year": 2025}).content.decode()
    assert "庙湾镇" in page and "6900.00" in page and "3600.00" in page
    book = load_workbook(
        io.BytesIO(client.get("/benefits/reports/", {"year": 2025, "format": "xlsx"}).content)
    )
    rows = list(book.active.iter_rows(values_only=True))[1:]
    assert sum(Decimal(str(r[6])) for r in rows) == Decimal("10500.00")
