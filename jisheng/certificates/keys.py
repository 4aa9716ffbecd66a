"""Signing keys in settings.KEYS_DIR/certificates: one current key, every older public key kept.

Rotating makes a new key current; certificates signed with an older key still verify, because its
public half stays published (at /verify/keys) under its key id.

Two algorithms, chosen by ``JISHENG_CERTIFICATE_ALGORITHM``: Ed25519 (the default) and SM2 (GB/T
32918, over SM3 with the default identity of GM/T 0009), for offices whose assessment asks for
commercial cryptography. A key's public text says which it is: Ed25519 keys are published as the raw
32 bytes in base64 (as before SM2 existed, so older verifiers keep working), SM2 keys as ``sm2:`` and
the 64 bytes x‖y in base64. Switching the setting makes a key of the new algorithm current at the next
signature; certificates signed with the other one still verify.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.utils import timezone

from jisheng.core.crypto.primitives import sm2_keypair, sm2_sign, sm2_verify

ED25519 = "ed25519"
SM2 = "sm2"
ALGORITHMS = (ED25519, SM2)
SM2_PUBLIC_PREFIX = "sm2:"
NAMES = {ED25519: "Ed25519", SM2: "SM2"}


class Signer(Protocol):
    def sign(self, data: bytes) -> bytes: ...


class Verifier(Protocol):
    def verify(self, signature: bytes, data: bytes) -> None:
        """Return when the signature holds; raise InvalidSignature otherwise."""


class Sm2Signer:
    def __init__(self, private_key: bytes) -> None:
        self._private_key = private_key

    def sign(self, data: bytes) -> bytes:
        return sm2_sign(self._private_key, data)


class Sm2Verifier:
    def __init__(self, public_key: bytes) -> None:
        if len(public_key) != 64:
            raise ValueError("an SM2 public key is 64 bytes")
        self._public_key = public_key

    def verify(self, signature: bytes, data: bytes) -> None:
        if len(signature) != 64 or not sm2_verify(self._public_key, data, signature):
            raise InvalidSignature


def configured_algorithm() -> str:
    algorithm = str(getattr(settings, "CERTIFICATE_ALGORITHM", ED25519)).lower()
    if algorithm not in ALGORITHMS:
        raise ValueError(f"JISHENG_CERTIFICATE_ALGORITHM must be one of {', '.join(ALGORITHMS)}")
    return algorithm


def key_dir() -> Path:
    path = Path(settings.KEYS_DIR) / "certificates"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def create_key(algorithm: str | None = None) -> str:
    """Make a new key pair of ``algorithm`` (the configured one by default), make it current, and
    return its id."""
    algorithm = algorithm or configured_algorithm()
    kid = f"{timezone.localdate():%Y%m}{secrets.token_hex(3)}"
    directory = key_dir()
    if algorithm == SM2:
        private_raw, public_raw = sm2_keypair()
        _write_private(directory / f"{kid}.sm2", base64.b64encode(private_raw) + b"\n")
        public_text = SM2_PUBLIC_PREFIX + base64.b64encode(public_raw).decode()
    else:
        private = Ed25519PrivateKey.generate()
        _write_private(
            directory / f"{kid}.key",
            private.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ),
        )
        public_text = public_key_text(private.public_key())
    (directory / f"{kid}.pub").write_text(public_text + "\n")
    (directory / "current").write_text(kid + "\n")
    return kid


def public_key_text(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def algorithm_of(public_text: str) -> str:
    return SM2 if public_text.startswith(SM2_PUBLIC_PREFIX) else ED25519


def _load_private(directory: Path, kid: str) -> tuple[str, Signer] | None:
    if (directory / f"{kid}.sm2").exists():
        return SM2, Sm2Signer(base64.b64decode((directory / f"{kid}.sm2").read_bytes()))
    if (directory / f"{kid}.key").exists():
        loaded = serialization.load_pem_private_key((directory / f"{kid}.key").read_bytes(), password=None)
        if not isinstance(loaded, Ed25519PrivateKey):  # pragma: no cover - only a hand-edited key file
            raise TypeError("the current certificate key is not an Ed25519 key")
        return ED25519, loaded
    return None


def current_key() -> tuple[str, Signer]:
    """The current key's id and signer; a key of the configured algorithm is made first when there is
    none, or when the current one is of the other algorithm (the setting was switched)."""
    directory = key_dir()
    current = directory / "current"
    kid = current.read_text().strip() if current.exists() else ""
    loaded = _load_private(directory, kid) if kid else None
    if loaded is None or loaded[0] != configured_algorithm():
        kid = create_key()
        loaded = _load_private(directory, kid)
        assert loaded is not None
    return kid, loaded[1]


def public_keys() -> dict[str, str]:
    """Every key id with its public key text, oldest first."""
    directory = key_dir()
    return {path.stem: path.read_text().strip() for path in sorted(directory.glob("*.pub"))}


def load_public_key(text: str) -> Verifier:
    if text.startswith(SM2_PUBLIC_PREFIX):
        return Sm2Verifier(base64.b64decode(text[len(SM2_PUBLIC_PREFIX) :]))
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text))
