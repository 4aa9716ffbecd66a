"""What a table seals at rest (ID numbers, phones) the audit trail does not keep in the clear: an event's
before and after hold the value masked, with a keyed digest that shows a change without disclosing it."""

from __future__ import annotations

import datetime
import json

from django.db import connection

from jisheng.audit.models import AuditEvent
from jisheng.core.actor import DEMO
from jisheng.registry import services
from tests.factories import make_id

PHONE, NEW_PHONE = "13812345678", "13987654321"


def test_a_registered_persons_id_number_and_phone_are_masked_in_the_trail_and_a_change_still_shows(areas):
    id_number = make_id(datetime.date(1990, 1, 1), "2")
    person = services.person_create(
        by=DEMO, name="王小红", id_number=id_number, residence_area=areas["village_a"], phone=PHONE
    )
    services.person_update(person=person, by=DEMO, changes={"phone": NEW_PHONE})

    created = AuditEvent.objects.get(action="registry.person_create")
    updated = AuditEvent.objects.get(action="registry.person_update")
    with connection.cursor() as cursor:
        cursor.execute("SELECT before, after FROM audit_auditevent")
        stored = json.dumps(cursor.fetchall(), ensure_ascii=False)

    assert id_number not in stored and PHONE not in stored and NEW_PHONE not in stored
    assert created.after["id_number"].endswith("*" * 14 + id_number[-4:])
    assert updated.before["id_number"] == updated.after["id_number"] == created.after["id_number"]
    assert updated.before["phone"] == created.after["phone"] != updated.after["phone"]
    assert updated.after["phone"].endswith(NEW_PHONE[-4:])
    assert updated.after["name"] == "王小红"  # what is not sealed is kept as it was
