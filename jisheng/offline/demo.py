"""Demo step: the walkthrough village officer's phone has something to sync.

The officer ``village`` (王秀兰, 411723101201) sent two records from the phone at a "previous sync"
yesterday (a home visit and a change of a resident's phone number, applied through the offline app's
own service, each once under its client id); since then the township (``township``, 张建国) changed
two residents of the village and a third moved away. Opened on a phone, ``/offline/`` downloads the
village with these changes (the moved-away resident is not on the phone); the applied records are in
the audit trail as ``offline.record_apply``. Idempotent: a second run finds the phone's records and
changes nothing.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.utils import timezone

ORDER = 70  # after the registry (30), the accounts (20) and outreach (56)
VILLAGE = "411723101201"
# Fixed client ids: the phone's records of the previous sync, so a second run applies nothing again.
VISIT_ID = uuid.UUID("6f1c3b1e-0000-4000-8000-000000000001")
PHONE_ID = uuid.UUID("6f1c3b1e-0000-4000-8000-000000000002")


def populate(*, persons: int, seed: int, out: Any) -> None:
    from jisheng.accounts.models import User
    from jisheng.registry import services as registry
    from jisheng.registry.demo import WALKTHROUGH_ID
    from jisheng.registry.models import Household, Person

    from . import services, sync
    from .models import AppliedRecord

    officer = User.objects.filter(username="village", area_id=VILLAGE).first()
    township = User.objects.filter(username="township").first()
    if officer is None or township is None:
        out.write("离线采集: 没有演示村专干或乡镇账号，跳过 / no demo officer, skipped")
        return
    if AppliedRecord.objects.filter(client_id__in=[VISIT_ID, PHONE_ID]).exists():
        out.write("离线采集: 手机记录已有，未变 / already there")
        return
    residents = list(
        Person.objects.filter(residence_area_id=VILLAGE, merged_into__isnull=True, status="alive")
        .exclude(id_number=WALKTHROUGH_ID)
        .order_by("pk")[:4]
    )
    household = Household.objects.filter(area_id=VILLAGE).order_by("pk").first()
    if len(residents) < 4 or household is None:
        out.write("离线采集: 演示村人口不足，跳过 / too few residents, skipped")
        return
    yesterday = timezone.now() - datetime.timedelta(days=1)

    # The previous sync: what the officer's phone sent yesterday.
    answers = [
        services.record_apply(
            by=officer,
            client_id=VISIT_ID,
            kind="visit",
            payload={
                "household": household.pk,
                "visited_on": yesterday.date().isoformat(),
                "met": "户主",
                "asked": "咨询计划生育家庭奖励扶助",
            },
            captured_at=yesterday,
        ),
    ]
    first = residents[0]
    version, _values = sync.person_current(first)
    answers.append(
        services.record_apply(
            by=officer,
            client_id=PHONE_ID,
            kind="person_update",
            payload={"person": first.pk, "base_version": version, "changes": {"phone": "13903960101"}},
            captured_at=yesterday,
        )
    )
    refused = [answer.body for answer in answers if answer.status != "applied"]
    if refused:
        out.write(f"离线采集: 手机记录未被接受 / phone records refused: {refused}")
        return

    # Since then, on the server: the township changed two residents; a third moved away.
    registry.person_update(
        person=residents[1], changes={"address": f"{residents[1].address}（已核实）"}, by=township
    )
    registry.person_update(person=residents[2], changes={"phone": "13903960202"}, by=township)
    registry.person_move_out(
        person=residents[3],
        to=registry.place_from_text("广东省东莞市"),
        date=timezone.localdate() - datetime.timedelta(days=1),
        note="外出务工，户籍迁出",
        by=township,
    )
    out.write("离线采集: 王秀兰的手机上次同步后，乡镇改了 2 人、迁出 1 人；打开 /offline/ 同步")
