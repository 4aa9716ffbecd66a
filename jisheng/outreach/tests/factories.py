"""Households, people and officers for outreach tests, made through the registry's services."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from jisheng.core.actor import DEMO
from jisheng.core.text import id_check_character
from jisheng.registry import services as registry

_serial = itertools.count(1)


def id_number(birth: datetime.date, *, female: bool, area: str = "411723") -> str:
    n = next(_serial) % 500
    sequence = 2 * n + (0 if female else 1)
    body = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return body + id_check_character(body)


def household(area: Any, number: str | None = None) -> Any:
    return registry.household_create(
        by=DEMO, number=number or f"H{area.code[-6:]}{next(_serial):05d}", area=area
    )


def person(
    area: Any,
    *,
    female: bool = True,
    name: str = "王芳",
    born: datetime.date | None = None,
    household: Any = None,
) -> Any:
    birth = born or datetime.date(1992, 3, 4)
    return registry.person_create(
        by=DEMO,
        name=name,
        id_number=id_number(birth, female=female),
        residence_area=area,
        household=household,
    )
