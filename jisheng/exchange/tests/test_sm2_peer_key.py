"""A peer that signs with SM2 can be trusted: its key text ("sm2:" and 88 characters of base64) is kept
whole, on PostgreSQL too, where a column too short refuses the row."""

from typing import Any

from jisheng.exchange import services, signing
from jisheng.exchange.models import Peer

from .conftest import TEST_JOB


def test_a_peer_with_an_sm2_key_is_kept_whole_and_verifies_its_signature(areas: Any) -> None:
    key = signing.Sm2PrivateKey.generate()
    text = signing.public_key_text(key.public_key())
    assert text.startswith("sm2:") and len(text) > 64

    services.peer_add(
        by=TEST_JOB,
        code="4419",
        name="东莞市",
        area_prefixes="4419",
        base_url="http://peer.invalid",
        public_key=text,
    )

    stored = Peer.objects.get(code="4419")
    assert stored.public_key == text
    assert len(text) <= Peer._meta.get_field("public_key").max_length
    assert len(text) <= Peer._meta.get_field("previous_public_key").max_length
    assert signing.public_key_text(signing.load_public_key(stored.public_key)) == text
    signed = signing.sign({"kind": "exchange.test_echo", "n": 1}, key)
    assert signing.verify(signed, stored.public_key)
    assert not signing.verify({**signed, "n": 2}, stored.public_key)
