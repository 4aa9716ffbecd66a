"""Objects of the offline app in an area, for the scoping harness: an applied outbox record (an edit
of a person of ``area`` sent from the phone by an officer of that village)."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from jisheng.offline import services, sync
from jisheng.offline.models import AppliedRecord


def make_objects(*, area: Any, marker: str) -> list[AppliedRecord]:
    from jisheng.accounts.models import User
    from jisheng.accounts.services import roles_for
    from jisheng.registry import services as registry
    from tests.factories import make_id

    officer = User.objects.create_user(username=f"offline-{area.code}", password="x", area=area)
    officer.roles.set(roles_for(["village_officer"]))
    person = registry.person_create(
        by=officer,
        name="张离线",
        id_number=make_id(datetime.date(1985, 3, 2), "1"),
        residence_area=area,
    )
    version, _values = sync.person_current(person)
    client_id = uuid.uuid4()
    answer = services.record_apply(
        by=officer,
        client_id=client_id,
        kind="person_update",
        payload={"person": person.pk, "base_version": version, "changes": {"address": marker}},
    )
    assert answer.status == "applied", answer
    return [AppliedRecord.objects.get(client_id=client_id)]
