"""The audit trail is kept for years and shown to auditors: it names a person's sealed ID number and
phone only masked, at registration, at a change and at a reveal, so it never holds in the clear what
the person table itself seals."""

from __future__ import annotations

import datetime
import json
from typing import Any

from jisheng.audit.models import AuditEvent
from jisheng.registry import services
from tests.factories import make_id


def _trail_text() -> str:
    rows = AuditEvent.objects.values_list("object_repr", "before", "after", "reason")
    return json.dumps(list(rows), ensure_ascii=False, default=str)


def test_registering_changing_and_revealing_a_person_leaves_the_id_number_and_phone_masked_in_the_trail(
    areas: dict[str, Any], make_user: Any
) -> None:
    officer = make_user(areas["village_a"], "village_officer")
    number = make_id(datetime.date(1990, 4, 5), "2")
    person = services.person_create(
        by=officer, name="刘桂芝", id_number=number, residence_area=areas["village_a"], phone="13812345678"
    )
    services.person_update(person=person, by=officer, changes={"phone": "13987654321"})
    township = make_user(areas["township_a"], "township_head")
    assert services.person_reveal(person=person, field="id_number", reason="核对身份", by=township) == number

    events = AuditEvent.objects.filter(action__startswith="registry.person")
    assert {"registry.person_create", "registry.person_update"} <= set(
        events.values_list("action", flat=True)
    )
    trail = _trail_text()
    for secret in (number, "13812345678", "13987654321"):
        assert secret not in trail
    # Masked, yet the change shows: the last four digits and a keyed digest that differs.
    update = events.get(action="registry.person_update")
    assert update.before["phone"].endswith("5678") and update.after["phone"].endswith("4321")
    assert update.before["phone"].split()[0] != update.after["phone"].split()[0]
    assert events.get(action="registry.person_create").after["id_number"].endswith(number[-4:])
