"""Fixtures of the hall's tests: the real catalogue, a resident, two clerks sharing a post (A and B)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest

from jisheng.workdays import calendar
from tests import factories
from tests.factories import SETUP

PDF = b"%PDF-1.4\n% test material\n"
PHONE = "13800138000"


@pytest.fixture(autouse=True)
def fresh_calendar() -> Iterator[None]:
    calendar.invalidate()
    yield
    calendar.invalidate()


@pytest.fixture
def catalogue(db: Any) -> dict[str, Any]:
    from jisheng.hall import services
    from jisheng.hall.models import ServiceItem

    services.catalogue_load(by=SETUP)
    return {item.code: item for item in ServiceItem.objects.all()}


def make_person(area: Any, name: str = "王小红", id_number: str = "411723199203154526") -> Any:
    """A woman of ``area`` born 1992-03-15, by default the hall's usual applicant 王小红."""
    return factories.make_person(
        area=area,
        name=name,
        sex="2",
        birth=datetime.date(1992, 3, 15),
        id_number=id_number,
        phone=PHONE,
        residence=False,
    )


@pytest.fixture
def resident(areas: dict[str, Any]) -> Any:
    return make_person(areas["village_a"])


@pytest.fixture
def staff(areas: dict[str, Any], make_user: Any) -> dict[str, Any]:
    from jisheng.hall import services

    township = areas["township_a"]
    clerk = make_user(township, "counter_clerk", username="clerk", full_name="李红梅")
    clerk2 = make_user(township, "counter_clerk", username="clerk2", full_name="赵丽娟")
    head = make_user(township, "township_head", username="township", full_name="张建国")
    post = services.post_create(office=township, name="综合受理岗", holder_a=clerk, holder_b=clerk2, by=SETUP)
    return {
        "clerk": clerk,
        "clerk2": clerk2,
        "head": head,
        "post": post,
        "village": make_user(areas["village_a"], "village_officer", username="village"),
        "auditor": make_user(areas["county"], "auditor", username="auditor"),
    }


def upload(code: str) -> Any:
    from jisheng.hall.services import Upload

    return Upload(material_code=code, name=f"{code}.pdf", content=PDF)
