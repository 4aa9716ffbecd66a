from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jisheng.core.actor import System
from jisheng.exchange import services, signing
from jisheng.exchange.models import OutboxMessage

PEER_KEY = signing.public_key_text(Ed25519PrivateKey.generate().public_key())


def make_objects(*, area: Any, marker: str) -> list[OutboxMessage]:
    """A message queued from ``area`` to a Guangdong peer, its kind carrying the marker."""
    by = System(job="scoping test")
    peer = services.peer_add(
        by=by, code="4419", name="东莞市", area_prefixes="4419", base_url="", public_key=PEER_KEY
    )
    message = services.message_send(
        by=by,
        kind=f"test.{marker}"[:48],
        to_area_code="441900003001",
        subject_key=f"scoping-{marker}",
        body={"marker": marker},
        from_area_code=area.code,
    )
    assert message.peer == peer
    return [message]
