"""Fixtures of the floating population's tests: the shared area tree, a village officer, a clerk and
a woman of a village of 平舆县."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator
from typing import Any

import pytest

from jisheng.workdays import calendar
from tests.factories import make_person


@pytest.fixture(autouse=True)
def fresh_calendar() -> Iterator[None]:
    calendar.invalidate()
    yield
    calendar.invalidate()


def make_woman(area: Any, name: str = "刘桂芝", born: datetime.date = datetime.date(1995, 5, 5)) -> Any:
    """A married woman living in ``area`` since birth."""
    return make_person(area=area, name=name, sex="2", birth=born, phone="13800138000", marital_status="21")


@pytest.fixture
def staff(areas: dict[str, Any], make_user: Any) -> dict[str, Any]:
    return {
        "officer": make_user(areas["village_a"], "village_officer", username="officer"),
        "clerk": make_user(areas["township_a"], "counter_clerk", username="clerk"),
        "clerk_b": make_user(areas["township_b"], "counter_clerk", username="clerk_b"),
        "county": make_user(areas["county"], "county_staff", username="county"),
    }


@pytest.fixture
def woman(areas: dict[str, Any]) -> Any:
    return make_woman(areas["village_a"])


# Two real deployments on loopback (平舆县 and 东莞市), for the end-to-end story.
# (When the exchange's instances are not there, the story is skipped.)
with contextlib.suppress(ImportError):
    from tests.exchange_instances import exchange_pair, exchange_pair_module, exchange_template  # noqa: F401
