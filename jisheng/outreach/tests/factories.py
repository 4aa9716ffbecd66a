"""The outreach tests' own shorthands: a household and a resident of a village, as the outreach pages
find them. They come from the suite's one module of factories (``tests.factories``: valid GB 11643 ID
numbers, the residence period the registry records); outreach's own rows (visits, screenings, supplies…)
are made through outreach's services in the tests themselves."""

from __future__ import annotations

import datetime
from typing import Any

from tests.factories import make_household, make_person


def household(area: Any, number: str | None = None) -> Any:
    return make_household(area=area, number=number)


def person(
    area: Any,
    *,
    female: bool = True,
    name: str = "王芳",
    born: datetime.date | None = None,
    household: Any = None,
) -> Any:
    return make_person(
        area=area,
        name=name,
        sex="2" if female else "1",
        birth=born or datetime.date(1992, 3, 4),
        household=household,
        phone="",
    )
