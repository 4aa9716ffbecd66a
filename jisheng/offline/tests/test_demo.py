"""The demo step gives the walkthrough village officer's phone something to sync: the phone's records
of a previous sync, applied once, and the township's changes since, which the next download carries."""

from __future__ import annotations

import datetime
import io
from typing import Any

from jisheng.audit.models import AuditEvent
from jisheng.offline import demo, sync
from jisheng.offline.models import AppliedRecord
from jisheng.outreach.models import Visit
from tests.factories import make_household, make_person


def test_the_demo_step_gives_the_officers_phone_changes_to_sync_once(
    areas: dict[str, Any], make_user: Any
) -> None:
    village = areas["village_a"]
    assert village.code == demo.VILLAGE
    officer = make_user(village, "village_officer", username="village", full_name="王秀兰")
    make_user(areas["township_a"], "township_head", username="township", full_name="张建国")
    household = make_household(area=village, address="王庄村1号")
    residents = [
        make_person(
            area=village, name=name, sex="2", birth=datetime.date(1980 + n, 1, 1), household=household
        )
        for n, name in enumerate(["刘一", "刘二", "刘三", "刘四"])
    ]

    demo.populate(persons=0, seed=1, out=io.StringIO())
    demo.populate(persons=0, seed=1, out=io.StringIO())

    assert AppliedRecord.objects.filter(user=officer).count() == 2
    assert Visit.objects.filter(household=household).count() == 1
    assert AuditEvent.objects.filter(action="offline.record_apply").count() == 2
    download = sync.sync(officer)
    on_phone = {person["id"]: person for person in download.persons}
    assert residents[3].pk not in on_phone  # moved away since the previous sync
    assert on_phone[residents[0].pk]["phone_masked"].endswith("0101")
    assert "已核实" in on_phone[residents[1].pk]["address"]
    assert on_phone[residents[2].pk]["phone_masked"].endswith("0202")
