"""Fixtures of the petitions tests: a township with a clerk, its head, the county's reviewer, a resident's file."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

from jisheng.workdays import calendar

D = datetime.date
PHONE = "13800138000"
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


@pytest.fixture(autouse=True)
def fresh_calendar() -> Iterator[None]:
    calendar.invalidate()
    yield
    calendar.invalidate()


def freeze(day: D) -> Any:
    return mock.patch(
        "django.utils.timezone.now",
        return_value=timezone.make_aware(datetime.datetime(day.year, day.month, day.day, 10)),
    )


@pytest.fixture
def staff(areas: dict[str, Any], make_user: Any) -> dict[str, Any]:
    township = areas["township_a"]
    return {
        "clerk": make_user(township, "counter_clerk", username="clerk", full_name="李红梅"),
        "clerk2": make_user(township, "counter_clerk", username="clerk2", full_name="赵丽娟"),
        "head": make_user(township, "township_head", username="head", full_name="张建国"),
        "county": make_user(areas["county"], "county_staff", username="county", full_name="刘伟"),
        "other": make_user(areas["township_b"], "counter_clerk", username="other", full_name="王芳"),
    }


@pytest.fixture
def petitioner(areas: dict[str, Any], staff: dict[str, Any]) -> Any:
    from jisheng.petitions import services

    return services.file_open(
        area=areas["township_a"], kind="person", name="王秀英", phone=PHONE, by=staff["clerk"]
    )


def receive(file: Any, area: Any, by: Any, **kwargs: Any) -> Any:
    from jisheng.petitions import services

    values: dict[str, Any] = {
        "kind": "petition",
        "channel": "visit",
        "field": "benefits",
        "title": "独生子女父母奖励未发放",
        "facts": "2025年度奖励扶助金未到账，要求补发。",
    }
    values.update(kwargs)
    return services.matter_receive(file=file, area=area, by=by, **values)
