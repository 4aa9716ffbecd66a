"""What arrives on the ledger from elsewhere: an outreach visit's problem, the hall's bad rating."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from jisheng.core.actor import DEMO
from jisheng.outreach import queries as outreach_queries
from jisheng.outreach import services as outreach_services
from jisheng.outreach.tests import factories
from jisheng.petitions import services
from jisheng.petitions.models import LedgerItem
from jisheng.petitions.services import NewItem

from .conftest import D


def test_an_outreach_visits_problem_becomes_a_ledger_item_and_the_hand_off_is_taken(areas, staff) -> None:
    household = factories.household(areas["village_a"], number="ORX1")
    visit = outreach_services.visit_record(
        by=DEMO,
        household=household,
        visited_on=datetime.date.today(),
        met="户主",
        asked="希望上门办理服务手册",
        promised="",
        follow_up_due=None,
    )
    [handoff] = outreach_queries.handoffs(staff["clerk"])
    assert handoff.visit == visit
    item = services.ledger_from_handoff(
        handoff=handoff,
        item=NewItem(
            title=handoff.summary, responsible=staff["clerk"], office="服务大厅", deadline=D(2099, 1, 1)
        ),
        by=staff["clerk"],
    )
    assert item.source == "outreach_visit" and item.area == areas["village_a"]
    assert not list(outreach_queries.handoffs(staff["clerk"]))
    handoff.refresh_from_db()
    assert handoff.reference == f"整改台账 {item.pk}"


def test_a_bad_rating_becomes_a_ledger_item_once(areas, staff) -> None:
    from jisheng.hall.models import Rating

    rating = _bad_rating(areas)
    first = services.ledger_from_bad_rating(
        rating=rating,
        item=NewItem(
            title="窗口态度差", responsible=staff["clerk"], office="服务大厅", deadline=D(2099, 1, 1)
        ),
        by=staff["head"],
    )
    assert first.source == "bad_rating" and first.source_ref == rating.application.number
    with pytest.raises(ValidationError):
        services.ledger_from_bad_rating(
            rating=Rating.objects.get(pk=rating.pk),
            item=NewItem(title="再次", responsible=staff["clerk"], office="服务大厅", deadline=D(2099, 1, 1)),
            by=staff["head"],
        )
    assert LedgerItem.objects.count() == 1


def _bad_rating(areas: dict[str, Any]) -> Any:
    from django.utils import timezone

    from jisheng.hall.models import Application, Rating, ServiceItem

    item = ServiceItem.objects.create(
        code="x",
        catalogue_version="t",
        name="测试事项",
        category="consultation",
        legal_basis="-",
        time_limit_counter=1,
        time_limit_online=1,
        accepting_level="township",
        approving_level="township",
        effective_from=datetime.date(2020, 1, 1),
    )
    application = Application.objects.create(
        number="SQ-TEST-0001",
        item=item,
        area=areas["village_a"],
        office=areas["township_a"],
        applicant_name="王秀英",
        applicant_phone="13800138000",
        applicant_id_number="411723199203154526",
        accepted_on=datetime.date.today(),
        channel="online",
        status="approved",
        received_at=timezone.now(),
        time_limit=1,
    )
    return Rating.objects.create(application=application, level=1, created_at=timezone.now())
