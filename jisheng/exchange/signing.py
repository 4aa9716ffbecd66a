"""This deployment's Ed25519 (or SM2) identity and the canonical form that is signed.

With ``JISHENG_EXCHANGE_ALGORITHM=sm2`` the deployment signs with SM2 (GB/T 32918, SM3 and the default
identity, through ``jisheng.core.crypto``) instead: its key is ``sm2.key`` (private ‖ public, base64,
mode 0600) and its public key text ``sm2:`` and the 64-byte x‖y in base64, so a peer's key names its
algorithm and either kind of peer verifies the other.

The key pair lives in ``DATA_DIR/keys/exchange`` (``ed25519.key``, PKCS#8 PEM, mode 0600, and
``ed25519.pub``, the raw public key in base64), made on first use. Peers are given the public key with
``jisheng exchange-identity``.

What is signed is the canonical serialisation of a JSON object without its ``signature`` member: keys
sorted, no whitespace, UTF-8 without escaping, and no floats (every number in an envelope is an integer),
so both sides compute the same bytes whatever JSON library wrote the message.
"""

from __future__ import annotations

import base64
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from jisheng.core.crypto import sm2_keypair, sm2_sign, sm2_verify

SIGNATURE = "signature"
SM2_PREFIX = "sm2:"


class Sm2PublicKey:
    def __init__(self, raw: bytes) -> None:
        if len(raw) != 64:
            raise ValueError("an SM2 public key is 64 bytes")
        self.raw = raw

    def verify(self, signature: bytes, data: bytes) -> None:
        if not sm2_verify(self.raw, data, signature):
            raise InvalidSignature


class Sm2PrivateKey:
    def __init__(self, private: bytes, public: bytes) -> None:
        self.private, self.public = private, public

    @classmethod
    def generate(cls) -> Sm2PrivateKey:
        return cls(*sm2_keypair())

    def sign(self, data: bytes) -> bytes:
        return sm2_sign(self.private, data)

    def public_key(self) -> Sm2PublicKey:
        return Sm2PublicKey(self.public)


PrivateKey = Ed25519PrivateKey | Sm2PrivateKey
PublicKey = Ed25519PublicKey | Sm2PublicKey


def _sm2() -> bool:
    return str(getattr(settings, "EXCHANGE_ALGORITHM", "ed25519")).lower() == "sm2"


def key_dir() -> Path:
    path = Path(settings.KEYS_DIR) / "exchange"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _key_name() -> str:
    return "sm2" if _sm2() else "ed25519"


def generate_private_key() -> PrivateKey:
    """A new key pair of this deployment's algorithm (SM2 with ``JISHENG_EXCHANGE_ALGORITHM=sm2``)."""
    return Sm2PrivateKey.generate() if _sm2() else Ed25519PrivateKey.generate()


def _file_name(key: PrivateKey) -> str:
    return "sm2" if isinstance(key, Sm2PrivateKey) else "ed25519"


def _private_bytes(key: PrivateKey) -> bytes:
    """What the key file holds: PKCS#8 PEM for Ed25519, base64 private ‖ public for SM2."""
    if isinstance(key, Sm2PrivateKey):
        return base64.b64encode(key.private + key.public) + b"\n"
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _create(directory: Path) -> None:
    private = generate_private_key()
    try:
        fd = os.open(directory / f"{_file_name(private)}.key", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process made it first; use theirs
    with os.fdopen(fd, "wb") as handle:
        handle.write(_private_bytes(private))
    (directory / f"{_file_name(private)}.pub").write_text(public_key_text(private.public_key()) + "\n")


@lru_cache(maxsize=8)
def _load_file(path: str, changed: int) -> Any:
    """The key in ``path`` as it was when its file last changed (``changed``: its mtime in ns), so a
    rotation made by another process is seen by every process at its next signature."""
    if Path(path).name.startswith("sm2."):
        raw = base64.b64decode(Path(path).read_bytes().strip())
        return Sm2PrivateKey(raw[:32], raw[32:])
    loaded = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):  # pragma: no cover - only a hand-edited key file
        raise TypeError("the exchange key is not an Ed25519 key")
    return loaded


def _load(directory: str) -> Any:
    path = Path(directory) / f"{_key_name()}.key"
    try:
        changed = path.stat().st_mtime_ns
    except FileNotFoundError:
        _create(Path(directory))
        changed = path.stat().st_mtime_ns
    return _load_file(str(path), changed)


def private_key() -> Any:
    """This deployment's signing key (Ed25519, or SM2 with ``JISHENG_EXCHANGE_ALGORITHM=sm2``)."""
    return _load(str(key_dir()))


def previous_private_key() -> PrivateKey | None:
    """The key replaced by the last rotation (kept to sign the rotation's announcement), if any."""
    path = key_dir() / f"{_key_name()}.previous.key"
    try:
        return _load_file(str(path), path.stat().st_mtime_ns)  # type: ignore[no-any-return]
    except FileNotFoundError:
        return None


def rotate(new: PrivateKey) -> None:
    """Make ``new`` (Ed25519 or SM2, as this deployment signs) this deployment's key; the current one is
    kept as the previous key. Each file is replaced whole (written beside it, then renamed), so a reader
    sees the old key or the new one."""
    directory = key_dir()
    name = _file_name(new)
    current = directory / f"{name}.key"
    staged = directory / f"{name}.key.new"
    staged.unlink(missing_ok=True)
    fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(_private_bytes(new))
    if current.exists():
        os.replace(current, directory / f"{name}.previous.key")
    os.replace(staged, current)
    public = directory / f"{name}.pub.new"
    public.write_text(public_key_text(new.public_key()) + "\n")
    os.replace(public, directory / f"{name}.pub")


def public_key_text(key: PublicKey) -> str:
    if isinstance(key, Sm2PublicKey):
        return SM2_PREFIX + base64.b64encode(key.raw).decode()
    return base64.b64encode(
        key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    ).decode()


def own_public_key() -> str:
    return public_key_text(private_key().public_key())


@lru_cache(maxsize=256)
def load_public_key(text: str) -> PublicKey:
    """The peer's key from its text (base64 Ed25519, or ``sm2:`` and base64 x‖y); ValueError when it
    is neither a 32-byte Ed25519 key nor a 64-byte SM2 key."""
    text = text.strip()
    sm2 = text.startswith(SM2_PREFIX)
    try:
        raw = base64.b64decode(text.removeprefix(SM2_PREFIX), validate=True)
    except (ValueError, TypeError) as exc:
        raise ValueError("not base64") from exc
    return Sm2PublicKey(raw) if sm2 else Ed25519PublicKey.from_public_bytes(raw)


def canonical(document: dict[str, Any]) -> bytes:
    """The bytes that are signed: the object without its signature, keys sorted, compact, UTF-8."""
    unsigned = {key: value for key, value in document.items() if key != SIGNATURE}
    return json.dumps(
        unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def sign(document: dict[str, Any], key: PrivateKey | None = None) -> dict[str, Any]:
    """A copy of ``document`` with its ``signature`` (base64 Ed25519 or SM2 r‖s over ``canonical``)."""
    key = key or private_key()
    return {**document, SIGNATURE: base64.b64encode(key.sign(canonical(document))).decode()}


def verify(document: dict[str, Any], public_key: str | PublicKey) -> bool:
    """Whether ``document`` carries a valid signature by ``public_key``."""
    signature = document.get(SIGNATURE)
    if not isinstance(signature, str) or not signature:
        return False
    try:
        key = load_public_key(public_key) if isinstance(public_key, str) else public_key
        key.verify(base64.b64decode(signature, validate=True), canonical(document))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True
