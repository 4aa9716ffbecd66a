"""Payee accounts: checking a bank card or social security card account before money is sent to it.

Bank cards issued in China are 16 to 19 digits. The check digit is the Luhn (mod 10) digit of
ISO/IEC 7812 on cards of the card schemes: China UnionPay's standard (Q/CUP 002) requires it on
UnionPay cards, whose numbers begin with 62, and Visa (4), Mastercard (5) and JCB/American Express (3)
cards carry it too. Older domestic debit cards issued on banks' own prefixes before the UnionPay
standard (for example 19-digit numbers beginning with 9) do not all follow it, so for them only the
digits and the length are checked — refusing a real card would stop a payment, while a mistyped
digit on such a card comes back as a returned payment and is re-issued to the corrected account.

A social security card (社保卡) pays through its financial account, a bank number of 16 to 19 digits
(the third-generation cards are UnionPay cards beginning with 62, checked as above). The 9-character
card number printed on the card (a letter and eight digits) identifies the card, not an account,
and is refused with a message that says which number to copy instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from jisheng.core.text import normalize_text

LUHN_PREFIXES = ("62", "3", "4", "5")
SSC_CARD_NUMBER = re.compile(r"^[A-Z][0-9]{8}$")


@dataclass(frozen=True)
class Account:
    kind: str
    number: str
    bank_name: str
    holder: str

    def as_fields(self) -> dict[str, str]:
        return {
            "account_kind": self.kind,
            "bank_account": self.number,
            "bank_name": self.bank_name,
            "account_holder": self.holder,
        }


def luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def number_problem(kind: str, number: str) -> str | None:
    """Why ``number`` cannot receive a payment, or None when it can."""
    if not number:
        return _("No account number")
    if kind == "ssc" and SSC_CARD_NUMBER.match(number.upper()):
        return _(
            "This is the card number printed on the social security card, which cannot receive payments; "
            "enter the card's bank account number (its financial account, 16–19 digits)"
        )
    if not number.isdigit():
        return _("Account “%(number)s” may contain digits only") % {"number": number}
    if not 16 <= len(number) <= 19:
        return _(
            "Account “%(number)s” has %(length)d digits; bank card and social security card accounts have 16–19"
        ) % {"number": number, "length": len(number)}
    if number.startswith(LUHN_PREFIXES) and not luhn_ok(number):
        return _("The check digit of account “%(number)s” is wrong; check the card number") % {
            "number": number
        }
    return None


def account_problem(kind: str, number: str, bank_name: str, holder: str) -> str | None:
    """Why a stored account cannot be paid to (a batch line, before the bank file), or None."""
    if not number:
        return _("No account number")
    if kind not in ("bank_card", "ssc"):
        return _("No account type")
    problem = number_problem(kind, number)
    if problem:
        return problem
    if not bank_name.strip():
        return _("No bank named")
    if not holder.strip():
        return _("No account holder")
    return None


def clean_number(raw: str) -> str:
    """Digits as typed on a form: full-width digits, spaces and dashes between groups are removed."""
    return re.sub(r"[\s\-]", "", normalize_text(raw or "")).upper()


def clean_account(*, kind: str, number: str, bank_name: str, holder: str) -> Account:
    """A validated account, or a ValidationError naming each field as the form calls it."""
    number = clean_number(number)
    bank_name = normalize_text(bank_name or "").strip()
    holder = normalize_text(holder or "").replace(" ", "")
    errors: dict[str, str] = {}
    if kind not in ("bank_card", "ssc"):
        errors["account_kind"] = _("“Account type”: choose bank card or social security card")
    problem = number_problem(kind, number)
    if problem:
        errors["bank_account"] = _("“Account number”: %(problem)s") % {"problem": problem}
    if not bank_name:
        errors["bank_name"] = _("“Bank”: fill it in")
    if not holder:
        errors["account_holder"] = _("“Account holder”: fill it in")
    if errors:
        raise ValidationError(errors)
    return Account(kind, number, bank_name, holder)


def mask_account(number: str) -> str:
    """The first 4 and last 4 digits, the rest starred: enough to tell two accounts apart."""
    if not number:
        return ""
    if len(number) <= 8:
        return "*" * (len(number) - 2) + number[-2:]
    return number[:4] + "*" * (len(number) - 8) + number[-4:]
