"""The algorithms themselves; callers use the names re-exported by ``jisheng.core.crypto``."""

from __future__ import annotations

import hmac as std_hmac
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

SM2_DEFAULT_ID = b"1234567812345678"  # GM/T 0009-2012's default user identity
SM4_KEY_BYTES = 16
GCM_NONCE_BYTES = 12
GCM_TAG_BYTES = 16

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {"sm3": hashes.SM3, "sha256": hashes.SHA256}


class DecryptionFailed(Exception):
    """The ciphertext, its tag or its associated data was altered, or the key is not the one used."""


def digest(name: str, data: bytes) -> bytes:
    """SM3 or SHA-256 of data (name "sm3" or "sha256")."""
    hasher = hashes.Hash(_HASHES[name]())
    hasher.update(data)
    return hasher.finalize()


def digest_hex(name: str, data: bytes) -> str:
    return digest(name, data).hex()


def sm3(data: bytes) -> bytes:
    return digest("sm3", data)


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    mac = _keyed_sm3(key).copy()
    mac.update(data)
    return mac.finalize()


# Keying an HMAC costs as much as the MAC of a short value (two SM3 blocks of the padded key); a copy
# of the keyed state costs a third. Every sealed value and blind index is one MAC under a handful of keys.
@lru_cache(maxsize=64)
def _keyed_sm3(key: bytes) -> crypto_hmac.HMAC:
    return crypto_hmac.HMAC(key, hashes.SM3())


def hmac_sm3_matches(key: bytes, data: bytes, tag: bytes) -> bool:
    return std_hmac.compare_digest(hmac_sm3(key, data), tag)


@lru_cache(maxsize=64)
def _sm4(key: bytes) -> algorithms.SM4:
    """The key checked once (the algorithm object is immutable and shared by every value sealed)."""
    return algorithms.SM4(key)


def sm4_gcm_encrypt(key: bytes, plaintext: bytes, associated: bytes = b"") -> bytes:
    """nonce (12 bytes) + ciphertext + tag (16 bytes); a fresh random nonce each time."""
    if len(key) != SM4_KEY_BYTES:
        raise ValueError("an SM4 key is 16 bytes")
    nonce = os.urandom(GCM_NONCE_BYTES)
    encryptor = Cipher(_sm4(key), modes.GCM(nonce)).encryptor()
    if associated:
        encryptor.authenticate_additional_data(associated)
    body = encryptor.update(plaintext) + encryptor.finalize()
    return nonce + body + encryptor.tag


def sm4_gcm_decrypt(key: bytes, sealed: bytes, associated: bytes = b"") -> bytes:
    if len(sealed) < GCM_NONCE_BYTES + GCM_TAG_BYTES:
        raise DecryptionFailed("too short")
    nonce, body, tag = (
        sealed[:GCM_NONCE_BYTES],
        sealed[GCM_NONCE_BYTES:-GCM_TAG_BYTES],
        sealed[-GCM_TAG_BYTES:],
    )
    decryptor = Cipher(_sm4(key), modes.GCM(nonce, tag)).decryptor()
    if associated:
        decryptor.authenticate_additional_data(associated)
    try:
        return decryptor.update(body) + decryptor.finalize()
    except InvalidTag as error:
        raise DecryptionFailed("the tag does not match") from error


def sm4_siv_encrypt(key: bytes, mac_key: bytes, plaintext: bytes, associated: bytes = b"") -> bytes:
    """Deterministic authenticated encryption: SM4-GCM under a synthetic IV, the first 12 bytes of
    HMAC-SM3(mac_key, associated ‖ 0 ‖ plaintext). Equal plaintexts (with equal associated data) seal
    to equal bytes, so a sealed column can be searched by equality; distinct plaintexts never share a
    nonce. Same layout as ``sm4_gcm_encrypt``: nonce + ciphertext + tag."""
    if len(key) != SM4_KEY_BYTES:
        raise ValueError("an SM4 key is 16 bytes")
    nonce = hmac_sm3(mac_key, associated + b"\0" + plaintext)[:GCM_NONCE_BYTES]
    encryptor = Cipher(_sm4(key), modes.GCM(nonce)).encryptor()
    if associated:
        encryptor.authenticate_additional_data(associated)
    body = encryptor.update(plaintext) + encryptor.finalize()
    return nonce + body + encryptor.tag


def sm4_siv_decrypt(key: bytes, mac_key: bytes, sealed: bytes, associated: bytes = b"") -> bytes:
    """Opens what ``sm4_siv_encrypt`` sealed, and checks the synthetic IV is the plaintext's."""
    plaintext = sm4_gcm_decrypt(key, sealed, associated)
    expected = hmac_sm3(mac_key, associated + b"\0" + plaintext)[:GCM_NONCE_BYTES]
    if not std_hmac.compare_digest(expected, sealed[:GCM_NONCE_BYTES]):
        raise DecryptionFailed("the synthetic IV does not match")
    return plaintext


def sm2_keypair() -> tuple[bytes, bytes]:
    """(private key, 32 bytes; public key, 64 bytes x‖y)."""
    from pysmx.SM2 import generate_keypair

    pair = generate_keypair()
    return bytes(pair.privateKey), bytes(pair.publicKey)


def sm2_sign(private_key: bytes, message: bytes, identity: bytes = SM2_DEFAULT_ID) -> bytes:
    """r‖s (64 bytes) over SM3(ZA ‖ message), with a fresh random k (GB/T 32918.2)."""
    from pysmx.SM2 import Sign
    from pysmx.SM2._SM2 import get_random_str

    for _attempt in range(8):  # r = 0 or r + k = n: the standard draws k again
        signature = Sign(message, private_key, get_random_str(64), 64, uid=identity)
        if signature:
            return bytes(signature)
    raise RuntimeError("SM2 signing failed")


def sm2_verify(public_key: bytes, message: bytes, signature: bytes, identity: bytes = SM2_DEFAULT_ID) -> bool:
    from pysmx.SM2 import Verify

    try:
        return bool(Verify(signature, message, public_key, 64, uid=identity))
    except (ValueError, TypeError, IndexError):
        return False
