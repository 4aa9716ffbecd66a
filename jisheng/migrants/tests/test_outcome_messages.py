"""The Art. 16 outcome travels: when the requesting side records what came of an answered verification
request, the side that answered is told by an exchange message and shows it on the request; a second
delivery changes nothing."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from jisheng.audit.models import AuditEvent
from jisheng.core.actor import System
from jisheng.exchange import services as exchange
from jisheng.exchange import signing
from jisheng.exchange.models import OutboxMessage
from jisheng.migrants import exchange_messages, services
from jisheng.workdays import services as workdays

pytestmark = pytest.mark.django_db
INBOX = System(job="exchange inbox")


@pytest.fixture
def guangdong(settings: Any, areas: dict[str, Any]) -> Any:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    settings.JISHENG_EXCHANGE_SELF_CODE = "411723"
    settings.JISHENG_EXCHANGE_SEND_ON_COMMIT = False
    return exchange.peer_add(
        by=System(job="test"),
        code="4419",
        name="东莞市",
        area_prefixes="4419",
        base_url="http://peer.invalid",
        public_key=signing.public_key_text(Ed25519PrivateKey.generate().public_key()),
    )


def test_the_outcome_recorded_on_the_page_is_sent_to_the_side_that_answered(
    staff: dict[str, Any], woman: Any, areas: dict[str, Any], client_for: Any, guangdong: Any
) -> None:
    request = services.verification_send(
        area=areas["township_a"],
        peer_area_code="441900",
        id_number=woman.id_number,
        name=woman.name,
        question="核实婚育情况",
        by=staff["clerk"],
    )
    services.verification_answer_receive(
        reference=request.reference, answer="属实", answered_on=timezone.localdate(), by=INBOX
    )
    page = client_for(staff["clerk"]).post(
        f"/migrants/verifications/{request.pk}/", {"step": "outcome", "outcome": "已核实 档案已更正"}
    )
    assert page.status_code == 302
    sent = OutboxMessage.objects.get(kind=exchange_messages.OUTCOME)
    assert sent.peer == guangdong
    assert sent.body["reference"] == request.reference
    assert sent.body["outcome"] == "已核实 档案已更正"
    assert sent.body["notified_on"] == timezone.localdate().isoformat()


def test_the_answering_side_shows_the_outcome_on_the_request_once_however_often_it_arrives(
    staff: dict[str, Any], woman: Any, client_for: Any
) -> None:
    today = timezone.localdate()
    received = services.verification_receive(
        reference="XC-4419-OUT-1",
        peer_area_code="441900",
        id_number=woman.id_number,
        name=woman.name,
        question="核实婚育情况",
        priority="normal",
        sent_on=today,
        due_on=workdays.add_working_days(today, 15),
        by=INBOX,
    )
    services.verification_answer(verification=received, answer="已婚，一孩", by=staff["clerk"])
    message = SimpleNamespace(
        message_id="m-1",
        from_area_code="441900000000",
        body={"reference": "XC-4419-OUT-1", "outcome": "已落实 结案", "notified_on": today.isoformat()},
    )
    exchange_messages.on_outcome(message=message)
    exchange_messages.on_outcome(message=message)  # delivered twice
    received.refresh_from_db()
    assert (received.outcome, received.outcome_notified_on) == ("已落实 结案", today)
    assert AuditEvent.objects.filter(action="migrants.verification_outcome_receive").count() == 1
    page = client_for(staff["clerk"]).get(f"/migrants/verifications/{received.pk}/").content.decode()
    assert 'id="outcome-notified"' in page and "已落实 结案" in page


def test_an_outcome_for_a_request_never_received_is_refused() -> None:
    from jisheng.exchange.handlers import Refused

    message = SimpleNamespace(
        message_id="m-2",
        from_area_code="441900000000",
        body={"reference": "XC-none", "outcome": "?", "notified_on": "2026-01-05"},
    )
    with pytest.raises(Refused):
        exchange_messages.on_outcome(message=message)
