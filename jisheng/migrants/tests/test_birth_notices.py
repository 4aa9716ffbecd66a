"""Birth notices (通报): a child born where the mother lives is notified to her home county, whose
person file records the birth once, however often the notice comes."""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from jisheng.audit.models import AuditEvent
from jisheng.exchange.handlers import Refused
from jisheng.migrants import exchange_messages, services
from jisheng.migrants.models import Notice
from jisheng.registry.models import Birth, Person
from tests.factories import make_id

pytestmark = pytest.mark.django_db


def birth_message(woman: Any, message_id: str, **body: Any) -> SimpleNamespace:
    """A received exchange message as the inbox hands it to the handler."""
    born_on = (timezone.localdate() - datetime.timedelta(days=3)).isoformat()
    return SimpleNamespace(
        message_id=message_id,
        from_area_code="441900003001",
        body={
            "kind": "birth",
            "id_number": woman.id_number,
            "name": woman.name,
            "on": born_on,
            "born_on": born_on,
            "sex": "1",
            "child_name": "王小明",
            "place": "东莞市人民医院",
            "from": "441900",
            **body,
        },
    )


def test_a_birth_notice_from_where_the_mother_lives_lands_in_her_home_person_file_once(woman: Any) -> None:
    answer = exchange_messages.on_notice(message=birth_message(woman, "m-birth-1"))
    assert answer["outcome"] == "已记入个人档案"
    birth = Birth.objects.get(mother=woman)
    assert (birth.sex, birth.child.name, birth.child.residence_area_id) == (
        "1",
        "王小明",
        woman.residence_area_id,
    )
    assert "流入地通报" in birth.place
    assert AuditEvent.objects.filter(action="registry.birth_record").count() == 1
    # The same birth notified again (another message, or resent by hand): recorded once.
    again = exchange_messages.on_notice(message=birth_message(woman, "m-birth-2"))
    assert again["outcome"] == "该出生已在个人档案中"
    assert Birth.objects.filter(mother=woman).count() == 1
    assert Person.objects.filter(name="王小明").count() == 1
    assert Notice.objects.filter(kind="birth", direction="in").count() == 2


def test_a_birth_notice_with_an_unknown_sex_is_refused_and_writes_nothing(woman: Any) -> None:
    with pytest.raises(Refused):
        exchange_messages.on_notice(message=birth_message(woman, "m-birth-3", sex="9"))
    assert not Birth.objects.exists() and not Notice.objects.exists()


def test_a_birth_to_a_woman_arrived_here_is_notified_to_her_home_county(
    staff: dict[str, Any], areas: dict[str, Any]
) -> None:
    arrival = services.arrival_record(
        village=areas["village_a"],
        id_number=make_id(datetime.date(1994, 3, 3), "2"),
        name="陈玉兰",
        origin="441900 东莞市",
        arrived_on=timezone.localdate() - datetime.timedelta(days=100),
        by=staff["officer"],
    )
    born_on = timezone.localdate() - datetime.timedelta(days=2)
    notice = services.arrival_birth_notify(
        arrival=arrival, born_on=born_on, sex="2", child_name="李 小红", by=staff["officer"]
    )
    assert (notice.kind, notice.direction, notice.peer_area_code) == ("birth", "out", "441900")
    assert notice.body["born_on"] == born_on.isoformat() and notice.body["child_name"] == "李小红"
    with pytest.raises(ValidationError):
        services.arrival_birth_notify(
            arrival=arrival,
            born_on=timezone.localdate() + datetime.timedelta(days=1),
            sex="2",
            child_name="",
            by=staff["officer"],
        )
