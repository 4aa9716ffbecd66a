"""Ed25519 signing keys in settings.KEYS_DIR/certificates: one current key, every older public key kept.

Rotating makes a new key current; certificates signed with an older key still verify, because its
public half stays published (at /verify/keys) under its key id.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.utils import timezone


def key_dir() -> Path:
    path = Path(settings.KEYS_DIR) / "certificates"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def create_key() -> str:
    """Make a new key pair, make it current, and return its id."""
    kid = f"{timezone.localdate():%Y%m}{secrets.token_hex(3)}"
    private = Ed25519PrivateKey.generate()
    directory = key_dir()
    _write_private(
        directory / f"{kid}.key",
        private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )
    (directory / f"{kid}.pub").write_text(public_key_text(private.public_key()) + "\n")
    (directory / "current").write_text(kid + "\n")
    return kid


def public_key_text(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def current_key() -> tuple[str, Ed25519PrivateKey]:
    directory = key_dir()
    current = directory / "current"
    kid = current.read_text().strip() if current.exists() else ""
    if not kid or not (directory / f"{kid}.key").exists():
        kid = create_key()
    loaded = serialization.load_pem_private_key((directory / f"{kid}.key").read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):  # pragma: no cover - only a hand-edited key file
        raise TypeError("the current certificate key is not an Ed25519 key")
    return kid, loaded


def public_keys() -> dict[str, str]:
    """Every key id with its public key (raw 32 bytes, base64), oldest first."""
    directory = key_dir()
    return {path.stem: path.read_text().strip() for path in sorted(directory.glob("*.pub"))}


def load_public_key(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text))
