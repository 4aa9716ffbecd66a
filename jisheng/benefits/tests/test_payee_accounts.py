"""The bank file pays someone: each line carries a checked payee account (bank card or the financial
account of a 社保卡, the bank and the holder), recorded by the township through an audited page,
shown masked; a batch with a line lacking one cannot be exported, and a payment the bank returned
for a wrong account is re-issued to the corrected account."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from jisheng.audit.models import AuditEvent
from jisheng.benefits import services
from jisheng.benefits.models import Line, Payment
from jisheng.benefits.payee import clean_account, mask_account

from .factories import CARD, OTHER_CARD, child_of, person

D = datetime.date
OLD_DOMESTIC_CARD = "9559980123456789012"  # a bank's own pre-UnionPay prefix: no Luhn digit


def account(number: str, kind: str = "bank_card", holder: str = "李秀英"):
    return clean_account(kind=kind, number=number, bank_name="中国农业银行", holder=holder)


def test_a_unionpay_card_with_a_wrong_check_digit_is_refused_naming_the_check_digit():
    with pytest.raises(ValidationError, match="校验位不正确"):
        account(CARD[:-1] + "7")


def test_too_short_too_long_and_non_digit_numbers_are_refused_with_the_number_as_typed():
    with pytest.raises(ValidationError, match="“622848123456789”为 15 位"):
        account("622848123456789")
    with pytest.raises(ValidationError, match="为 20 位"):
        account("62284812345678901234")
    with pytest.raises(ValidationError, match="只能包含数字"):
        account("6228A81234567890128")


def test_full_width_digits_spaces_and_dashes_are_cleaned_and_an_old_domestic_card_needs_no_luhn_digit():
    assert account("６２２８ ４８１２-３４５６ ７８９０ １２８").number == CARD
    assert account(OLD_DOMESTIC_CARD).number == OLD_DOMESTIC_CARD


def test_the_number_printed_on_a_social_security_card_is_refused_for_its_financial_account():
    with pytest.raises(ValidationError, match="社保卡的银行账号"):
        account("A12345678", kind="ssc")
    assert account(CARD, kind="ssc").kind == "ssc"


def test_bank_and_holder_are_required_and_every_field_is_named():
    with pytest.raises(ValidationError) as caught:
        clean_account(kind="", number="", bank_name="", holder="")
    assert set(caught.value.message_dict) == {"account_kind", "bank_account", "bank_name", "account_holder"}


def test_an_account_is_shown_masked():
    assert mask_account(CARD) == "6228***********0128"


@pytest.fixture
def staff(areas, make_user):
    return {
        "township": make_user(areas["township_a"], "township_head"),
        "sibling": make_user(areas["township_b"], "township_head"),
        "county": make_user(areas["county"], "county_staff"),
        "payer": make_user(areas["county"], "county_staff"),
    }


@pytest.fixture
def approved(areas, staff):
    mother = person(areas["village_a"], "李秀英", "2", D(1995, 5, 1))
    child_of(mother, "张小宝", "1", D(2025, 3, 15))
    person(areas["village_a2"], "李小二", "2", D(2024, 8, 8))
    batch = services.batch_propose(
        programme_id="childcare_subsidy", year=2025, area=areas["township_a"], by=staff["township"]
    )
    batch = services.batch_start_notice(batch=batch, by=staff["township"], start=D(2020, 1, 1))
    batch = services.batch_review(batch=batch, accept=True, reason="无异议", by=staff["township"])
    return services.batch_approve(batch=batch, accept=True, reason="同意", by=staff["county"])


def test_a_batch_with_a_line_lacking_an_account_cannot_be_exported_and_the_page_lists_it(
    approved, staff, client_for
):
    line = approved.lines.get(name="张小宝")
    services.line_account_set(line=line, account=account(CARD), by=staff["township"])
    with pytest.raises(ValidationError, match="1 条名单缺少有效的收款账户（李小二）"):
        services.payments_issue(batch=approved, by=staff["payer"])
    assert not Payment.objects.exists()
    page = client_for(staff["township"]).get(f"/benefits/batches/{approved.pk}/accounts/").content.decode()
    lacking = page[page.index('id="lacking"') : page.index("</table>")]
    assert "李小二" in lacking and "张小宝" not in lacking and "缺少收款账号" in lacking
    batch_page = client_for(staff["payer"]).get(f"/benefits/batches/{approved.pk}/").content.decode()
    assert "1 条名单缺少有效的收款账户" in batch_page
    assert CARD not in batch_page and mask_account(CARD) in batch_page


def test_the_township_records_an_account_on_the_page_audited_with_the_number_masked(
    approved, staff, client_for
):
    line = approved.lines.get(name="张小宝")
    client_for(staff["township"]).post(
        f"/benefits/batches/{approved.pk}/accounts/",
        {
            "line": line.pk,
            "account_kind": "bank_card",
            "bank_account": CARD,
            "bank_name": "中国农业银行",
            "account_holder": "李秀英",
        },
    )
    line.refresh_from_db()
    assert (line.bank_account, line.account_holder, line.account_kind) == (CARD, "李秀英", "bank_card")
    event = AuditEvent.objects.get(action="benefits.line_account_set", object_id=str(line.pk))
    assert event.after["account"] == mask_account(CARD) and CARD not in str(event.after)


def test_a_refused_account_keeps_what_was_typed_and_says_why(approved, staff, client_for):
    line = approved.lines.get(name="张小宝")
    page = (
        client_for(staff["township"])
        .post(
            f"/benefits/batches/{approved.pk}/accounts/",
            {
                "line": line.pk,
                "account_kind": "bank_card",
                "bank_account": CARD[:-1] + "7",
                "bank_name": "中国农业银行",
                "account_holder": "李秀英",
            },
        )
        .content.decode()
    )
    assert "校验位不正确" in page and CARD[:-1] + "7" in page and "中国农业银行" in page
    assert Line.objects.get(pk=line.pk).bank_account == ""


def test_an_account_in_a_strangers_name_is_refused(approved, staff):
    line = approved.lines.get(name="张小宝")
    with pytest.raises(ValidationError, match="不是 张小宝 本人或登记的父母"):
        services.line_account_set(line=line, account=account(CARD, holder="王二麻"), by=staff["township"])


def test_a_sibling_township_cannot_record_an_account(approved, staff, client_for):
    line = approved.lines.get(name="张小宝")
    response = client_for(staff["sibling"]).post(
        f"/benefits/batches/{approved.pk}/accounts/",
        {"line": line.pk, "account_kind": "bank_card", "bank_account": CARD, "bank_name": "农行"},
    )
    assert response.status_code == 404
    assert Line.objects.get(pk=line.pk).bank_account == ""


def test_a_payment_returned_for_a_wrong_account_is_reissued_to_the_corrected_account(
    approved, staff, client_for
):
    for line in approved.lines.all():
        holder = "李秀英" if line.name == "张小宝" else line.name
        services.line_account_set(line=line, account=account(CARD, holder=holder), by=staff["township"])
    payments = services.payments_issue(batch=approved, by=staff["payer"])
    returned = next(p for p in payments if p.line.name == "张小宝")
    services.payment_settle(payment=returned, paid=False, reason="户名与账号不符", by=staff["payer"])
    client_for(staff["payer"]).post(
        f"/benefits/payments/{returned.pk}/reissue/",
        {
            "account_kind": "bank_card",
            "bank_account": OTHER_CARD,
            "bank_name": "中国工商银行",
            "account_holder": "李秀英",
        },
    )
    again = Payment.objects.get(line=returned.line, attempt=2)
    assert (again.bank_account, again.bank_name, again.status) == (OTHER_CARD, "中国工商银行", "issued")
    assert Line.objects.get(pk=returned.line_id).bank_account == OTHER_CARD
    csv_text = client_for(staff["payer"]).get(f"/benefits/batches/{approved.pk}/bank.csv").content.decode()
    assert OTHER_CARD in csv_text and "中国工商银行" in csv_text


def test_a_reissue_to_an_invalid_corrected_account_is_refused(approved, staff):
    for line in approved.lines.all():
        holder = "李秀英" if line.name == "张小宝" else line.name
        services.line_account_set(line=line, account=account(CARD, holder=holder), by=staff["township"])
    payment = services.payments_issue(batch=approved, by=staff["payer"])[0]
    services.payment_settle(payment=payment, paid=False, reason="账号有误", by=staff["payer"])
    with pytest.raises(ValidationError, match="不是 .* 本人或登记的父母"):
        services.payment_reissue(
            payment=payment, account=account(OTHER_CARD, holder="王二麻"), by=staff["payer"]
        )
    assert not Payment.objects.filter(attempt=2).exists()


def test_a_staff_application_refused_for_its_account_keeps_every_value_typed(areas, make_user, client_for):
    mother = person(areas["village_a"], "李秀英", "2", D(1995, 5, 1))
    child = child_of(mother, "张小宝", "1", D(2025, 3, 15))
    officer = make_user(areas["village_a"], "village_officer")
    page = (
        client_for(officer)
        .post(
            "/benefits/applications/",
            {
                "id_number": child.id_number,
                "programme": "childcare_subsidy",
                "year": 2025,
                "account_kind": "ssc",
                "bank_account": "A12345678",
                "bank_name": "平舆县农商银行",
                "account_holder": "李秀英",
            },
        )
        .content.decode()
    )
    assert "社保卡的银行账号" in page
    assert child.id_number in page and "A12345678" in page and "平舆县农商银行" in page
    assert 'value="ssc" selected' in page
