"""Floating-population objects for the scoping harness (tests/test_scoping.py): in ``area`` (a village),
a person away with a 婚育证明, a person arrived, a received verification request, a received notice and
a health education session and an import of moves, each showing ``marker``."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models

from jisheng.core.actor import System
from jisheng.migrants import services
from jisheng.registry import services as registry
from tests.factories import make_person

HARNESS = System(job="scoping harness")


def make_objects(*, area: Any, marker: str) -> list[models.Model]:
    from jisheng.accounts.models import User
    from jisheng.accounts.services import roles_for

    clerk = User.objects.create_user(username=f"migrants-{marker}", password="x", area=area.parent)
    clerk.roles.set(roles_for(["counter_clerk"]))
    today = datetime.date.today()
    leaving = make_person(area=area, name=marker, sex="2", birth=datetime.date(1994, 4, 4))
    certificate = services.marital_certificate_issue(person=leaving, by=clerk)
    # A child born since: the certificate is due for re-issue (its list shows the mother's name).
    registry.birth_record(mother=leaving, date=today, sex="1", child_name="小宝", by=HARNESS)
    departure = services.departure_record(
        person=leaving,
        destination=f"441900 {marker}",
        left_on=today,
        employer=marker,
        contact_phone="13800138000",
        by=HARNESS,
    )
    arrival = services.arrival_record(
        village=area,
        id_number=_new_id(),
        name=marker,
        origin=f"441900 {marker}",
        arrived_on=today,
        employer=marker,
        by=HARNESS,
    )
    request = services.verification_receive(
        reference=f"XC-{marker}"[:40],
        peer_area_code="441900",
        id_number=leaving.id_number,
        name=leaving.name,
        question=marker,
        priority="normal",
        sent_on=today,
        due_on=today,
        by=HARNESS,
    )
    session = services.education_session_record(person=leaving, held_on=today, topic=marker, by=HARNESS)
    upload = services.move_import_create(kind="departures", file_name=f"{marker}.xlsx", by=clerk)
    return [departure, certificate, arrival, request, session, upload]


def _new_id() -> str:
    from tests.factories import make_id

    return make_id(datetime.date(1996, 6, 6), "2")
