"""Demo step: the demo county trusts one peer, 东莞市 (4419, Guangdong, where many of its people work),
reachable by batch file only (no address: nothing tries the network), so the exchange pages have a peer
and the floating-population demo has somewhere to send its notices. The peer's key is derived from the
seed, so the same seed gives the same county.

Idempotent: a second run finds the peer and changes nothing.
"""

from __future__ import annotations

import hashlib
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jisheng.core.actor import DEMO

from . import services, signing
from .models import Peer

ORDER = 35  # after the registry (30), before the apps that send messages
DEMO_PEER = {"code": "4419", "name": "东莞市", "area_prefixes": "4419"}


def populate(*, persons: int, seed: int, out: Any) -> None:
    if Peer.objects.filter(code=DEMO_PEER["code"]).exists():
        out.write("信息交换: 对方系统 东莞市 已存在\n")
        return
    key = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(f"jisheng-demo-peer-{seed}".encode()).digest())
    services.peer_add(by=DEMO, base_url="", public_key=signing.public_key_text(key.public_key()), **DEMO_PEER)
    out.write("信息交换: 已添加对方系统 东莞市（4419，仅批量文件）\n")
