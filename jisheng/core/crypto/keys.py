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
import time
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

# How long a process goes on using the current version it read before looking at the file again. A
# rotation made by this process is seen at once; one made by another process within this many seconds
# (a rotation runs with the service stopped, so no other process is sealing then).
VERSION_RECHECK_SECONDS = 1.0


class KeyStore(Protocol):
    def secret(self, name: str, size: int) -> bytes:
        """The key called name (size bytes), made on first use."""
        ...


class VersionedKeyStore(KeyStore, Protocol):
    """A store that also remembers which version of a key family is current (optional: a store
    without it always uses version 1)."""

    def current_version(self, family: str) -> str: ...

    def set_current_version(self, family: str, version: str) -> None: ...


class FileKeyStore:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or Path(settings.KEYS_DIR) / "sm"
        self._versions: dict[str, tuple[int, str]] = {}
        self._checked: dict[str, tuple[float, str]] = {}

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

    def current_version(self, family: str) -> str:
        """Every sealed value asks: the answer is kept for ``VERSION_RECHECK_SECONDS``, then the file
        is looked at again (a stat) and read again only when it changed."""
        now = time.monotonic()
        checked = self._checked.get(family)
        if checked is not None and now - checked[0] < VERSION_RECHECK_SECONDS:
            return checked[1]
        version = self._read_version(family)
        self._checked[family] = (now, version)
        return version

    def _read_version(self, family: str) -> str:
        path = self.folder / f"{family}.current"
        try:
            stamp = path.stat().st_mtime_ns
        except FileNotFoundError:
            return "1"
        cached = self._versions.get(family)
        if cached is None or cached[0] != stamp:
            cached = self._versions[family] = (stamp, path.read_text().strip() or "1")
        return cached[1]

    def set_current_version(self, family: str, version: str) -> None:
        if not family.replace("-", "").isalnum() or not version.isdigit():
            raise ValueError(family)
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self.folder / f"{family}.current"
        temporary = path.with_suffix(".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(version)
        temporary.replace(path)
        self._versions.pop(family, None)
        self._checked.pop(family, None)


@cache
def _store(path: str, keys_dir: str) -> KeyStore:
    store_class = import_string(path)
    return FileKeyStore(Path(keys_dir) / "sm") if store_class is FileKeyStore else store_class()


def current_version(family: str) -> str:
    store = key_store()
    getter = getattr(store, "current_version", None)
    return str(getter(family)) if getter else "1"


def set_current_version(family: str, version: str) -> None:
    store = key_store()
    setter = getattr(store, "set_current_version", None)
    if setter is None:
        raise NotImplementedError("this key store keeps one version of each key")
    setter(family, version)


_current: list[KeyStore] = []  # the store of the present settings, found once (every sealed value asks)


def key_store() -> KeyStore:
    if not _current:
        _current.append(
            _store(
                getattr(settings, "JISHENG_KEY_STORE", "jisheng.core.crypto.keys.FileKeyStore"),
                str(settings.KEYS_DIR),
            )
        )
    return _current[0]


def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in ("KEYS_DIR", "JISHENG_KEY_STORE"):
        _current.clear()


setting_changed.connect(_settings_changed)
