"""Key rotation between two real deployments on loopback: 平舆县 rotates its key pair; 东莞市 takes the new
public key only from the announcement signed by the old one, keeps the old key for messages already in
flight during the grace period, and refuses it (logged, with the reason) after. The same with two
deployments that sign with SM2 (``JISHENG_EXCHANGE_ALGORITHM=sm2``): the new pair is an SM2 pair."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jisheng.exchange import signing
from jisheng.exchange.instances import Instance, loopback_pair

pytestmark = pytest.mark.smoke


@pytest.fixture(scope="module")
def rotating_pair(
    tmp_path_factory: pytest.TempPathFactory, exchange_template: Path
) -> Iterator[tuple[Instance, Instance]]:
    """A pair of its own: the test changes Henan's key for good."""
    with loopback_pair(tmp_path_factory.mktemp("rotation-pair"), template_db=exchange_template) as pair:
        yield pair


@pytest.fixture(scope="module")
def sm2_rotating_pair(
    tmp_path_factory: pytest.TempPathFactory, exchange_template: Path
) -> Iterator[tuple[Instance, Instance]]:
    """Two deployments signing with SM2; the test changes Henan's key for good."""
    with loopback_pair(
        tmp_path_factory.mktemp("sm2-rotation-pair"),
        extra_env={"JISHENG_EXCHANGE_ALGORITHM": "sm2"},
        template_db=exchange_template,
    ) as pair:
        yield pair


IN_FLIGHT = """
import uuid
from django.utils import timezone
from jisheng.exchange import envelopes, signing

def envelope(subject, key=None):
    now = envelopes.timestamp(timezone.now())
    return signing.sign({"v": 1, "id": str(uuid.uuid4()), "from": "411723", "to": "4419", "kind": "test.echo",
                         "subject": subject, "seq": 1, "from_area": "411723000000", "to_area": "441900003001",
                         "created": now, "sent": now, "body": {"n": 1}}, key)
"""

POST = """
import json
from jisheng.exchange import transport
from jisheng.exchange.models import Peer
url = Peer.objects.get(code="4419").base_url
answers = []
for envelope in json.loads({envelopes!r}):
    answer = transport.post(url, [envelope])
    answers.append({{"receipts": len(answer.receipts), "refusal": answer.refusal}})
result = answers
"""


def test_a_rotated_key_is_announced_signed_by_the_old_one_and_the_old_key_expires_after_its_grace(
    rotating_pair: tuple[Instance, Instance],
) -> None:
    _rotate_and_follow(*rotating_pair, sm2=False)


def test_an_sm2_deployment_rotates_to_a_new_sm2_pair_which_its_peer_takes_as_it_does_ed25519_keys(
    sm2_rotating_pair: tuple[Instance, Instance],
) -> None:
    _rotate_and_follow(*sm2_rotating_pair, sm2=True)


def _rotate_and_follow(henan: Instance, guangdong: Instance, *, sm2: bool) -> None:
    """Rotate Henan's key (of the algorithm it signs with, SM2 when ``sm2``) and follow the new key,
    the grace period of the old one and its end at Guangdong."""
    import json

    old_key = henan.shell_json("from jisheng.exchange import signing\nresult = signing.own_public_key()")
    assert old_key.startswith(signing.SM2_PREFIX) is sm2
    # Signed before the rotation, delivered after it: "in flight"; the third by a key nobody trusts.
    in_flight = henan.shell_json(
        IN_FLIGHT
        + "result = [envelope('flight-1'), envelope('flight-2'), "
        + "envelope('forged', signing.generate_private_key())]"
    )

    output = henan.command("exchange-key-rotate")
    new_key = henan.shell_json("from jisheng.exchange import signing\nresult = signing.own_public_key()")
    assert new_key != old_key and new_key in output and new_key.startswith(signing.SM2_PREFIX) is sm2
    henan.command("exchange-send", "--now")
    announced = henan.shell_json(
        """
        from jisheng.audit.models import AuditEvent
        from jisheng.exchange.models import OutboxMessage
        result = {"states": list(OutboxMessage.objects.filter(kind="exchange.key_rotation").values_list("state", flat=True)),
                  "audited": AuditEvent.objects.filter(action="exchange.key_rotate").count()}
        """
    )
    assert announced == {"states": ["acked"], "audited": 1}
    taken = guangdong.shell_json(
        """
        from jisheng.audit.models import AuditEvent
        from jisheng.exchange.models import Peer
        peer = Peer.objects.get(code="411723")
        result = {"key": peer.public_key, "previous": peer.previous_public_key,
                  "until": peer.previous_key_until is not None,
                  "audited": AuditEvent.objects.filter(action="exchange.peer_key_rotated").count()}
        """
    )
    assert taken == {"key": new_key, "previous": old_key, "until": True, "audited": 1}

    # What Henan sends now is signed with the new key, and applied.
    henan.shell_json(
        """
        from django.db import transaction
        from jisheng.exchange.services import SENDER, message_send
        with transaction.atomic():
            message_send(by=SENDER, kind="test.echo", to_area_code="441900003001", subject_key="after-1", body={"n": 1})
        result = 1
        """
    )
    henan.command("exchange-send", "--now")
    assert guangdong.shell_json(
        "from jisheng.exchange.models import InboxMessage\n"
        "result = list(InboxMessage.objects.filter(subject_key='after-1').values_list('state', flat=True))"
    ) == ["applied"]

    # A message signed with the old key before the rotation is still accepted within the grace period;
    # one signed by a key Guangdong never trusted is not.
    first, forged = henan.shell_json(POST.format(envelopes=json.dumps([in_flight[0], in_flight[2]])))
    assert first == {"receipts": 1, "refusal": None}
    assert forged["refusal"]["code"] == "bad_signature"

    # The grace period passes (as if seven days went by): the old key is refused, with the reason logged.
    guangdong.shell_json(
        """
        import datetime
        from django.utils import timezone
        from jisheng.exchange.models import Peer
        Peer.objects.filter(code="411723").update(previous_key_until=timezone.now() - datetime.timedelta(seconds=1))
        result = 1
        """
    )
    [late] = henan.shell_json(POST.format(envelopes=json.dumps([in_flight[1]])))
    assert late["refusal"]["code"] == "old_key"
    logged = guangdong.shell_json(
        f"""
        from jisheng.exchange.models import InboxRefusal
        refusal = InboxRefusal.objects.get(message_id="{in_flight[1]["id"]}")
        result = [refusal.code, refusal.reason]
        """
    )
    assert logged[0] == "old_key" and logged[1]


def test_an_announcement_not_signed_by_the_key_held_is_refused_and_the_key_stays(
    rotating_pair: tuple[Instance, Instance],
) -> None:
    henan, guangdong = rotating_pair
    before = guangdong.shell_json(
        "from jisheng.exchange.models import Peer\nresult = Peer.objects.get(code='411723').public_key"
    )
    answer = henan.shell_json(
        IN_FLIGHT
        + """
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jisheng.exchange import transport
from jisheng.exchange.models import Peer
impostor = Ed25519PrivateKey.generate()
claim = envelope("exchange-key", impostor)
claim = signing.sign({**claim, "kind": "exchange.key_rotation",
                      "body": {"code": "411723", "public_key": signing.public_key_text(impostor.public_key()),
                               "previous_key": signing.own_public_key(), "rotated_at": claim["created"]}}, impostor)
answer = transport.post(Peer.objects.get(code="4419").base_url, [claim])
result = answer.refusal
"""
    )
    assert answer["code"] == "bad_signature"
    after = guangdong.shell_json(
        "from jisheng.exchange.models import Peer\nresult = Peer.objects.get(code='411723').public_key"
    )
    assert after == before
