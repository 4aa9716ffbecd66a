"""ID numbers and payee accounts of batch lines, payments and applications are sealed at rest with SM4:
the raw rows hold no plaintext after a normal write, the bank file still carries the numbers as they
are, a payment is found by its account's blind index, the audit trail keeps the account masked, the
migration seals rows written in the clear (and opens them when reversed) and rotating the data key
re-seals them."""

import datetime
import importlib

import pytest
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection

from jisheng.audit.models import AuditEvent
from jisheng.benefits import services
from jisheng.benefits.applications import resident_application_submit
from jisheng.benefits.models import Application, Line, Payment
from jisheng.benefits.payee import clean_account
from jisheng.core.crypto import fields as sealed

from .factories import CARD, child_of, person

D = datetime.date


def raw(table, pk, *columns):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()


def account(holder="李秀英"):
    return clean_account(kind="bank_card", number=CARD, bank_name="中国农业银行", holder=holder)


@pytest.fixture
def own_keys(settings, tmp_path):
    """A key store of this test's own, so rotating the data key leaves the other tests' alone."""
    settings.KEYS_DIR = tmp_path / "keys"
    return settings.KEYS_DIR


@pytest.fixture
def staff(areas, make_user):
    return {
        "township": make_user(areas["township_a"], "township_head"),
        "county": make_user(areas["county"], "county_staff"),
        "payer": make_user(areas["county"], "county_staff"),
    }


@pytest.fixture
def paid(areas, staff):
    """A batch of one child whose line has its account, approved and sent to the bank."""
    mother = person(areas["village_a"], "李秀英", "2", D(1995, 5, 1))
    child = child_of(mother, "张小宝", "1", D(2025, 3, 15))
    batch = services.batch_propose(
        programme_id="childcare_subsidy", year=2025, area=areas["township_a"], by=staff["township"]
    )
    line = batch.lines.get()
    services.line_account_set(line=line, account=account(), by=staff["township"])
    batch = services.batch_start_notice(batch=batch, by=staff["township"], start=D(2020, 1, 1))
    batch = services.batch_review(batch=batch, accept=True, reason="无异议", by=staff["township"])
    batch = services.batch_approve(batch=batch, accept=True, reason="同意", by=staff["county"])
    (payment,) = services.payments_issue(batch=batch, by=staff["payer"])
    return {"batch": batch, "line": Line.objects.get(pk=line.pk), "payment": payment, "child": child}


def test_the_raw_line_and_payment_rows_hold_no_plain_id_number_or_account(paid):
    child = paid["child"]
    id_number, line_account, line_index = raw(
        "benefits_line", paid["line"].pk, "id_number", "bank_account", "bank_account_index"
    )
    assert id_number.startswith("sm4siv:") and child.id_number not in id_number
    assert line_account.startswith("sm4gcm:") and CARD not in line_account
    assert len(line_index) == 64 and CARD not in line_index
    payment_account, payment_index = raw(
        "benefits_payment", paid["payment"].pk, "bank_account", "bank_account_index"
    )
    assert payment_account.startswith("sm4gcm:") and CARD not in payment_account and len(payment_index) == 64
    line = Line.objects.get(pk=paid["line"].pk)
    assert (line.id_number, line.bank_account) == (child.id_number, CARD)
    assert Payment.objects.get(pk=paid["payment"].pk).bank_account == CARD


def test_the_bank_file_still_carries_the_id_number_and_the_account_as_they_are(paid, staff, client_for):
    page = client_for(staff["payer"]).get(f"/benefits/batches/{paid['batch'].pk}/bank.csv").content.decode()
    assert paid["child"].id_number in page and CARD in page and "李秀英" in page


def test_a_payment_is_found_by_its_accounts_blind_index_and_a_line_by_its_whole_id_number(paid):
    field = Payment._meta.get_field("bank_account")
    assert list(Payment.objects.filter(bank_account_index=field.index_of(CARD))) == [paid["payment"]]
    assert not Payment.objects.filter(bank_account_index=field.index_of(CARD[:-1] + "7")).exists()
    assert Line.objects.get(id_number=paid["child"].id_number) == paid["line"]
    with pytest.raises(FieldError):
        Line.objects.filter(id_number__startswith=paid["child"].id_number[:6]).count()


def test_settling_a_payment_leaves_the_account_masked_in_the_audit_trail(paid, staff):
    services.payment_settle(payment=paid["payment"], paid=False, reason="账号有误", by=staff["payer"])
    event = AuditEvent.objects.get(action="benefits.payment_settle")
    assert CARD not in str(event.before) and CARD not in str(event.after)
    assert event.after["bank_account"].endswith(CARD[-4:]) and "bank_account_index" not in event.after


def test_an_applicants_id_number_is_sealed_and_read_back(areas):
    mother = person(areas["village_a"], "李秀英", "2", D(1995, 5, 1))
    child = child_of(mother, "张小宝", "1", D(2025, 3, 15))
    application = resident_application_submit(
        person=child,
        programme_id="childcare_subsidy",
        year=2025,
        applicant_name="李秀英",
        applicant_id_number=mother.id_number,
        relation="mother",
        account=account(),
    )
    (stored,) = raw("benefits_application", application.pk, "applicant_id_number")
    assert stored.startswith("sm4siv:") and mother.id_number not in stored
    assert Application.objects.get(applicant_id_number=mother.id_number).bank_account == CARD


def test_the_migration_seals_rows_written_in_the_clear_and_opens_them_when_reversed(paid):
    line, payment, child = paid["line"], paid["payment"], paid["child"]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE benefits_line SET id_number = %s, bank_account = %s, bank_account_index = '' WHERE id = %s",
            [child.id_number, CARD, line.pk],
        )
        cursor.execute(
            "UPDATE benefits_payment SET bank_account = %s, bank_account_index = '' WHERE id = %s",
            [CARD, payment.pk],
        )
    assert Line.objects.get(pk=line.pk).bank_account == CARD  # plaintext still reads
    migration = importlib.import_module("jisheng.benefits.migrations.0006_seal_payee_accounts_and_id_numbers")

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection  # type: ignore[attr-defined]
    migration.seal_rows(None, editor)
    id_number, line_account, line_index = raw(
        "benefits_line", line.pk, "id_number", "bank_account", "bank_account_index"
    )
    assert id_number.startswith("sm4siv:") and line_account.startswith("sm4gcm:")
    assert line_index == Line._meta.get_field("bank_account").index_of(CARD)  # type: ignore[attr-defined]
    field = Payment._meta.get_field("bank_account")
    assert Payment.objects.get(bank_account_index=field.index_of(CARD)).bank_account == CARD  # type: ignore[attr-defined]
    migration.open_rows(None, editor)
    assert raw("benefits_line", line.pk, "id_number", "bank_account") == (child.id_number, CARD)
    assert raw("benefits_payment", payment.pk, "bank_account") == (CARD,)


def test_rotating_the_data_key_reseals_the_benefit_columns_and_keeps_the_index(own_keys, paid):
    line = paid["line"]
    before, index = raw("benefits_line", line.pk, "bank_account", "bank_account_index")
    assert sealed.sealed_version(before) == "1"
    call_command("crypto-rotate")
    after, index_after = raw("benefits_line", line.pk, "bank_account", "bank_account_index")
    (id_number,) = raw("benefits_line", line.pk, "id_number")
    (payment_account,) = raw("benefits_payment", paid["payment"].pk, "bank_account")
    assert sealed.sealed_version(after) == sealed.sealed_version(id_number) == "2"
    assert sealed.sealed_version(payment_account) == "2" and index_after == index
    assert Line.objects.get(id_number=paid["child"].id_number).bank_account == CARD
    event = AuditEvent.objects.get(action="crypto.field_key_rotate")
    assert event.after["rows"]["benefits_line"] >= 1 and event.after["rows"]["benefits_payment"] >= 1
