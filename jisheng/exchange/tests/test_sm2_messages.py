"""With JISHENG_EXCHANGE_ALGORITHM=sm2 two deployments sign their messages and receipts with SM2 (GB/T
32918) and exchange them as with Ed25519; a key's text names its algorithm."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jisheng.exchange import signing
from jisheng.exchange.instances import Instance, loopback_pair

from .test_two_instances import INBOX, OUTBOX, SEND

pytestmark = pytest.mark.smoke


@pytest.fixture(scope="module")
def sm2_pair(
    tmp_path_factory: pytest.TempPathFactory, exchange_template: Path
) -> Iterator[tuple[Instance, Instance]]:
    with loopback_pair(
        tmp_path_factory.mktemp("exchange-sm2"),
        extra_env={"JISHENG_EXCHANGE_ALGORITHM": "sm2"},
        template_db=exchange_template,
    ) as pair:
        yield pair


def test_a_message_signed_with_sm2_arrives_once_and_its_sm2_signed_receipt_acknowledges_it(sm2_pair):
    henan, guangdong = sm2_pair
    keys = henan.shell_json(
        "from jisheng.exchange import identity\n"
        "from jisheng.exchange.models import Peer\n"
        "result = [identity.current().public_key, list(Peer.objects.values_list('public_key', flat=True))]"
    )
    own, peers = keys
    assert own.startswith("sm2:") and peers and all(key.startswith("sm2:") for key in peers)
    [message_id] = henan.shell_json(SEND.format(count=1, subject="sm2-1"))
    henan.command("exchange-send", "--now")
    assert henan.shell_json(OUTBOX.format(subject="sm2-1")) == [["acked", 1, ""]]
    assert guangdong.shell_json(INBOX.format(subject="sm2-1")) == {
        "rows": [[message_id, 1, "applied"]],
        "echoes": 1,
    }


def test_an_sm2_signature_verifies_only_the_document_it_signed_with_the_signers_key(settings, tmp_path):
    settings.KEYS_DIR = tmp_path
    settings.EXCHANGE_ALGORITHM = "sm2"
    signed = signing.sign({"kind": "test.echo", "n": 1})
    own = signing.own_public_key()
    assert own.startswith("sm2:")
    assert signing.verify(signed, own)
    assert not signing.verify({**signed, "n": 2}, own)
    other = signing.public_key_text(signing.Sm2PrivateKey.generate().public_key())
    assert not signing.verify(signed, other)
    assert (tmp_path / "exchange" / "sm2.key").stat().st_mode & 0o077 == 0
