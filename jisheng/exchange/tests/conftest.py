"""The exchange's unit tests: this deployment is 平舆县 (411723, the shared ``areas`` fixture), its peer a
Guangdong county whose key the test holds, so the test can sign what the peer would send."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jisheng.core.actor import System
from tests.exchange_instances import exchange_pair, exchange_pair_module, exchange_template  # noqa: F401

TEST_JOB = System(job="exchange test")


@pytest.fixture(autouse=True)
def _exchange_settings(settings: Any) -> None:
    settings.JISHENG_EXCHANGE_SELF_CODE = "411723"
    settings.JISHENG_EXCHANGE_SEND_ON_COMMIT = False


@pytest.fixture
def peer_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def peer(areas: Any, peer_key: Ed25519PrivateKey) -> Any:
    from jisheng.exchange import services, signing

    return services.peer_add(
        by=TEST_JOB,
        code="4419",
        name="东莞市",
        area_prefixes="4419",
        base_url="http://peer.invalid",
        public_key=signing.public_key_text(peer_key.public_key()),
    )


@pytest.fixture
def echo_handler() -> Any:
    """``test.echo`` registered for the test (and removed after)."""
    from jisheng.exchange import handlers, testkinds

    handlers.register(testkinds.KIND, testkinds.echo, replace=True)
    yield testkinds.echo
    handlers.unregister(testkinds.KIND)


@pytest.fixture
def envelope_from_peer(peer_key: Ed25519PrivateKey) -> Callable[..., dict[str, Any]]:
    """An envelope the peer would send to this deployment, signed with its key (overrides by keyword)."""
    from django.utils import timezone

    from jisheng.exchange import envelopes, signing

    def make(*, key: Ed25519PrivateKey | None = None, sign: bool = True, **overrides: Any) -> dict[str, Any]:
        now = timezone.now()
        envelope = {
            "v": 1,
            "id": str(uuid.uuid4()),
            "from": "4419",
            "to": "411723",
            "kind": "test.echo",
            "subject": "subject-1",
            "seq": 1,
            "from_area": "441900000000",
            "to_area": "411723101201",
            "created": envelopes.timestamp(now - datetime.timedelta(seconds=5)),
            "sent": envelopes.timestamp(now),
            "body": {"text": "到达通报"},
            **overrides,
        }
        return signing.sign(envelope, key or peer_key) if sign else envelope

    return make
