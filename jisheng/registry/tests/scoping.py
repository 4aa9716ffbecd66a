"""Registry objects for the scoping harness (tests/test_scoping.py): a person with a household,
a marriage, a birth, contraception, a duplicate pair and an import, all showing ``marker``."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models

from jisheng.registry.codes import Sex
from jisheng.registry.models import (
    Birth,
    Contraception,
    DuplicateCandidate,
    Household,
    ImportJob,
    Marriage,
)
from tests.factories import make_id, make_person

__all__ = ["make_id", "make_objects", "make_person"]


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
