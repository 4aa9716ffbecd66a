"""Registry rows for the benefit tests, in the benefit tests' positional shorthand over the shared
factories of ``tests.factories`` (rows written with the ORM: the registry's services are another app's
concern)."""

from __future__ import annotations

import datetime
from typing import Any

from jisheng.registry.models import Contraception, Household, Marriage, Person
from tests import factories


def person(area: Any, name: str, sex: str, born: datetime.date, **fields: Any) -> Person:
    """A person of ``area`` with a valid ID number, no phone and no residence period."""
    return factories.make_person(
        area=area, name=name, sex=sex, birth=born, phone="", residence=False, **fields
    )


def household(area: Any) -> Household:
    return factories.make_household(area=area)


def child_of(
    mother: Person, name: str, sex: str, born: datetime.date, father: Person | None = None, **fields: Any
) -> Person:
    return factories.make_child(
        mother=mother, name=name, sex=sex, birth=born, father=father, phone="", residence=False, **fields
    )


def marry(husband: Person, wife: Person, day: datetime.date, kind: str = "21") -> Marriage:
    return factories.make_marriage(husband=husband, wife=wife, date=day, kind=kind)


def sterilise(who: Person, day: datetime.date, method: str | None = None) -> Contraception:
    return factories.make_contraception(person=who, date=day, method=method)


# Luhn-valid UnionPay numbers (62…): the bank's own check digit holds, as on real cards.
CARD = "6228481234567890128"
OTHER_CARD = "6217001234567890122"


def give_accounts(batch: Any, number: str = CARD) -> None:
    """Every line of the batch gets a valid bank card in the beneficiary's name (set directly: the
    service that records accounts is tested on its own)."""
    for line in batch.lines.all():
        line.account_kind, line.bank_account, line.bank_name = "bank_card", number, "中国农业银行平舆县支行"
        line.account_holder = line.name
        fields = ["account_kind", "bank_account", "bank_account_index", "bank_name", "account_holder"]
        line.save(update_fields=fields)
