"""Where the keys of ``jisheng.core.crypto`` come from.

``KeyStore`` is the interface: a named secret of a given size. The default, ``FileKeyStore``, keeps each
key in its own file under ``KEYS_DIR/sm`` (created on first use, readable by the service's user only,
backed up with the data directory). A deployment that must keep keys in a certified cryptographic
module (密码模块) names its own class in ``JISHENG_KEY_STORE``; the module then holds the keys and the
rest of Jisheng does not change. Keys carry a version in their name (``field-sm4-1``) so a rotation
adds a key and keeps the old one readable.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class KeyStore(Protocol):
    def secret(self, name: str, size: int) -> bytes:
        """The key called name (size bytes), made on first use."""
        ...


class FileKeyStore:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or Path(settings.KEYS_DIR) / "sm"

    def secret(self, name: str, size: int) -> bytes:
        if not name.replace("-", "").isalnum():
            raise ValueError(name)
        path = self.folder / f"{name}.key"
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            try:
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another process made it first: use theirs
                data = path.read_bytes()
            else:
                data = os.urandom(size)
                with os.fdopen(descriptor, "wb") as handle:
                    handle.write(data)
        if len(data) != size:
            raise ValueError(f"the key {name} is {len(data)} bytes, not {size}")
        return data


@cache
def _store(path: str, keys_dir: str) -> KeyStore:
    store_class = import_string(path)
    return FileKeyStore(Path(keys_dir) / "sm") if store_class is FileKeyStore else store_class()


def key_store() -> KeyStore:
    return _store(
        getattr(settings, "JISHENG_KEY_STORE", "jisheng.core.crypto.keys.FileKeyStore"),
        str(settings.KEYS_DIR),
    )
