"""The demo step gives the demo township people away, arrivals and a verification request, once."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest

from jisheng.migrants import demo
from jisheng.migrants.models import Arrival, Departure, VerificationRequest
from jisheng.migrants.tests.conftest import make_woman

pytestmark = pytest.mark.django_db


def test_the_demo_step_fills_the_township_once(areas: dict[str, Any], make_user: Any) -> None:
    make_user(areas["township_a"], "counter_clerk", username="clerk")
    for n in range(6):
        make_woman(areas["village_a"], name=f"演示{n}", born=datetime.date(1992, 1, 1 + n))
    out = io.StringIO()
    demo.populate(persons=0, seed=7, out=out)
    assert Departure.objects.count() == 5
    assert Departure.objects.filter(certificate__isnull=False).count() == 3
    assert Arrival.objects.count() == 2
    assert VerificationRequest.objects.filter(direction="in").count() == 1
    demo.populate(persons=0, seed=7, out=out)
    assert Departure.objects.count() == 5
    assert "演示数据已存在" in out.getvalue()
