"""Registry objects for the scoping harness (tests/test_scoping.py): a person with a household,
a marriage, a birth, contraception, a duplicate pair and an import, all showing ``marker``."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from django.db import models
from stdnum.cn import ric

from jisheng.registry.codes import Sex
from jisheng.registry.models import (
    Birth,
    Contraception,
    DuplicateCandidate,
    Household,
    ImportJob,
    Marriage,
    Person,
    ResidencePeriod,
)

_serial = itertools.count(100)


def make_id(birth: datetime.date, sex: str) -> str:
    seq = (next(_serial) % 499 + 1) * 2 + (1 if sex == Sex.MALE else 0)
    prefix = "411723" if birth.year >= 2000 else "412827"  # 平舆县's code before 2000
    body = f"{prefix}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def make_person(
    *, area: Any, name: str, sex: str, birth: datetime.date, household: Household | None = None
) -> Person:
    person = Person(
        name=name,
        id_number=make_id(birth, sex),
        sex=sex,
        birth_date=birth,
        residence_area=area,
        household=household,
        phone="13800000000",
    )
    person.fill_search_fields()
    person.save()
    ResidencePeriod.objects.create(person=person, area_code=area.code, start_date=birth)
    return person


def make_objects(*, area: Any, marker: str) -> list[models.Model]:
    household = Household.objects.create(number=f"{marker}-H", area=area, address=marker)
    wife = make_person(
        area=area, name=f"{marker}妻", sex=Sex.FEMALE, birth=datetime.date(1990, 5, 1), household=household
    )
    husband = make_person(
        area=area, name=f"{marker}夫", sex=Sex.MALE, birth=datetime.date(1988, 5, 1), household=household
    )
    twin = make_person(area=area, name=f"{marker}妻", sex=Sex.FEMALE, birth=datetime.date(1990, 5, 1))
    child = make_person(
        area=area, name=f"{marker}子", sex=Sex.MALE, birth=datetime.date(2015, 3, 1), household=household
    )
    marriage = Marriage.objects.create(husband=husband, wife=wife, date=datetime.date(2012, 1, 1), area=area)
    birth = Birth.objects.create(
        child=child,
        mother=wife,
        father=husband,
        date=child.birth_date,
        birth_order=1,
        sex=Sex.MALE,
        area=area,
        place=marker,
    )
    contraception = Contraception.objects.create(
        person=wife, method="700", start_date=datetime.date(2016, 1, 1), area=area, provider=marker
    )
    pair = DuplicateCandidate.objects.create(
        person_a=wife, person_b=twin, reason=DuplicateCandidate.Reason.SAME_NAME_BIRTH, area=area
    )
    job = ImportJob.objects.create(kind="persons", file_name=f"{marker}.xlsx", area=area, message=marker)
    return [wife, husband, child, household, marriage, birth, contraception, pair, job]
