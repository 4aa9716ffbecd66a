"""Commercial cryptography measures for `jisheng bench --only crypto`: the audit chain's hash (SM3 against
SHA-256 as the baseline), sealing a column (SM4-GCM) and SM2 signatures (against Ed25519, what the
certificates and the exchange sign with today). Pure computation: no county is needed."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jisheng.core import crypto
from jisheng.core.bench import BenchContext, measure

ORDER = 5
# No county needed: `jisheng bench --only crypto` runs on a fresh data directory.
COUNTY_FREE_PREFIX = "crypto"
EVENT = ("0" * 64 + '{"action": "registry.person_create", "after": {"name": "王秀英"}}' * 6).encode()


def _per_second(fn: Callable[[], Any], seconds: float = 1.0) -> float:
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        fn()
        count += 1
    return count / (time.perf_counter() - started)


def measures(ctx: BenchContext) -> Iterator[dict[str, Any]]:
    if not ctx.wants_any("crypto"):
        return
    if ctx.wants("crypto_chain_hash"):
        sm3 = _per_second(lambda: crypto.digest_hex("sm3", EVENT))
        sha = _per_second(lambda: crypto.digest_hex("sha256", EVENT))
        yield measure("crypto_chain_hash_sm3", sm3, "events/s", round(sha, 1), bytes=len(EVENT))
    if ctx.wants("crypto_sm4_gcm"):
        key = bytes(range(16))
        sealed = crypto.sm4_gcm_encrypt(key, b"6228480402564890018", b"benefits.application.bank_account")
        seal = _per_second(lambda: crypto.sm4_gcm_encrypt(key, b"6228480402564890018", b"purpose"))
        opened = _per_second(
            lambda: crypto.sm4_gcm_decrypt(key, sealed, b"benefits.application.bank_account")
        )
        yield measure("crypto_sm4_gcm_seal", seal, "values/s", None)
        yield measure("crypto_sm4_gcm_open", opened, "values/s", None)
    if ctx.wants("crypto_sm2"):
        private, public = crypto.sm2_keypair()
        message = EVENT[:200]
        signature = crypto.sm2_sign(private, message)
        ed_key = Ed25519PrivateKey.generate()
        ed_signature = ed_key.sign(message)
        ed_public = ed_key.public_key()
        sign = _per_second(lambda: crypto.sm2_sign(private, message), 2.0)
        verify = _per_second(lambda: crypto.sm2_verify(public, message, signature), 2.0)
        ed_sign = _per_second(lambda: ed_key.sign(message))
        ed_verify = _per_second(lambda: ed_public.verify(ed_signature, message))
        yield measure("crypto_sm2_sign", sign, "signatures/s", round(ed_sign, 1))
        yield measure("crypto_sm2_verify", verify, "verifications/s", round(ed_verify, 1))
