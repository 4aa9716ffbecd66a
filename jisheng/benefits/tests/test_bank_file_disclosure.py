"""A bank file discloses every payee's name, ID number and account: it is an audited act, and a name
typed as a formula stays text in the spreadsheet that opens it."""

import csv
import datetime
import io

from openpyxl import load_workbook

from jisheng.audit.models import AuditEvent
from jisheng.benefits import services
from tests.factories import SETUP

from .factories import give_accounts, person

D = datetime.date
FORMULA_NAME = '=HYPERLINK("http://e.x","王")'


def _paid_batch(areas, client):
    person(areas["village_a"], FORMULA_NAME, "1", D(2025, 3, 1))
    person(areas["village_a2"], "李小二", "2", D(2022, 12, 31))
    batch = services.batch_propose(
        programme_id="childcare_subsidy", year=2025, area=areas["township_a"], by=SETUP
    )
    give_accounts(batch)
    services.batch_start_notice(batch=batch, by=SETUP, days=7, start=D(2020, 1, 1))
    services.batch_review(batch=batch, accept=True, reason="无异议", by=SETUP)
    services.batch_approve(batch=batch, accept=True, reason="同意", by=SETUP)
    client.post(f"/benefits/batches/{batch.pk}/pay/")
    return batch


def test_a_bank_file_download_leaves_an_event_naming_who_what_and_how_many(areas, make_user, client_for):
    county = make_user(areas["county"], "county_staff")
    client = client_for(county)
    batch = _paid_batch(areas, client)
    response = client.get(f"/benefits/batches/{batch.pk}/bank.xlsx")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="disclosure.bank_file")
    assert event.actor_username == county.username
    assert event.after["count"] == 2
    assert {"id_number", "bank_account"} <= set(event.after["fields"])
    assert event.after["filters"] == {"batch": batch.pk, "format": "xlsx"}
    assert event.reason


def test_a_name_typed_as_a_formula_stays_text_in_both_bank_files(areas, make_user, client_for):
    client = client_for(make_user(areas["county"], "county_staff"))
    batch = _paid_batch(areas, client)
    sheet = load_workbook(io.BytesIO(client.get(f"/benefits/batches/{batch.pk}/bank.xlsx").content)).active
    formula_cells = [cell for row in sheet.iter_rows() for cell in row if str(cell.value).startswith("=")]
    assert formula_cells and all(cell.data_type == "s" for cell in formula_cells)
    text = client.get(f"/benefits/batches/{batch.pk}/bank.csv").content.decode("utf-8-sig")
    names = [line[2] for line in csv.reader(io.StringIO(text))][1:]
    assert "'" + FORMULA_NAME in names
    assert not any(name.startswith("=") for name in names)
