"""Registry rows for the benefit tests, created directly with the ORM (the registry's services are
another app's concern)."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from jisheng.registry.models import Birth, Contraception, Household, Marriage, Person

_serial = itertools.count(1)


def person(area: Any, name: str, sex: str, born: datetime.date, **fields: Any) -> Person:
    n = next(_serial)
    # A syntactically plausible 18-character ID: area, birth date, serial, check character.
    id_number = f"{area.code[:6]}{born:%Y%m%d}{n % 1000:03d}{n % 10}"
    return Person.objects.create(
        name=name, sex=sex, birth_date=born, residence_area=area, id_number=id_number, **fields
    )


def household(area: Any) -> Household:
    return Household.objects.create(number=f"H{next(_serial):08d}", area=area)


def child_of(
    mother: Person, name: str, sex: str, born: datetime.date, father: Person | None = None, **fields: Any
) -> Person:
    kid = person(mother.residence_area, name, sex, born, household=mother.household, **fields)
    order = Birth.objects.filter(mother=mother).count() + 1
    Birth.objects.create(
        child=kid,
        mother=mother,
        father=father,
        date=born,
        birth_order=order,
        sex=sex,
        area=mother.residence_area,
    )
    return kid


def marry(husband: Person, wife: Person, day: datetime.date, kind: str = "21") -> Marriage:
    return Marriage.objects.create(husband=husband, wife=wife, date=day, kind=kind, area=wife.residence_area)


def sterilise(who: Person, day: datetime.date, method: str | None = None) -> Contraception:
    method = method or ("810" if who.sex == "2" else "820")
    return Contraception.objects.create(person=who, method=method, start_date=day, area=who.residence_area)


# Luhn-valid UnionPay numbers (62…): the bank's own check digit holds, as on real cards.
CARD = "6228481234567890128"
OTHER_CARD = "6217001234567890122"


def give_accounts(batch: Any, number: str = CARD) -> None:
    """Every line of the batch gets a valid bank card in the beneficiary's name (set directly: the
    service that records accounts is tested on its own)."""
    batch.lines.update(account_kind="bank_card", bank_account=number, bank_name="中国农业银行平舆县支行")
    for line in batch.lines.all():
        line.account_holder = line.name
        line.save(update_fields=["account_holder"])
