"""The demo step gives the demo township matters in several states, an outing's ledger, a survey."""

from __future__ import annotations

import io

from jisheng.petitions import demo
from jisheng.petitions.models import LedgerItem, Matter, MatterStatus, Survey


def test_the_demo_step_fills_the_pages_once(areas, make_user) -> None:
    make_user(areas["township_a"], "counter_clerk", username="clerk", full_name="李红梅")
    make_user(areas["township_a"], "township_head", username="township", full_name="张建国")
    make_user(areas["county"], "county_staff", username="county", full_name="刘志强")
    make_user(areas["county"], "county_staff", username="county2", full_name="黄海燕")
    out = io.StringIO()
    demo.populate(persons=100, seed=1, out=out)
    assert Matter.objects.count() == 4 and LedgerItem.objects.count() == 5
    assert Matter.objects.filter(status=MatterStatus.REVIEW_REQUESTED).count() == 1
    assert Survey.objects.get().responses.count() == 12
    demo.populate(persons=100, seed=1, out=out)
    assert Matter.objects.count() == 4 and "已存在" in out.getvalue()
