"""Personal files sealed at rest with SM4-GCM: uploads of the hall (photos of signed forms, attachments,
the offline client's photos), photos of outreach inspections, import spreadsheets and what was read of
them. Every such file is written and read through this module.

A sealed file is a header and chunks::

    b"JSF2" ‖ version length (1 byte) ‖ key version ‖ wrapped file key (44 bytes) ‖ nonce prefix (8 bytes)
    then per chunk of at most CHUNK bytes of plaintext: ciphertext ‖ GCM tag (16 bytes)

Each file has its own random SM4 key, wrapped (SM4-GCM, the nonce prefix as associated data) by the
data key ``field-sm4-<version>`` of the key store (``jisheng.core.crypto.keys``: a certified module can
hold it). Chunk ``i`` is sealed under the nonce ``prefix ‖ i`` with the magic, the prefix, ``i`` and
whether it is the last chunk as associated data, so chunks cannot be reordered, dropped, moved to
another file or the file cut short without the reading failing (``DecryptionFailed``). The chunks do
not depend on the wrapping: after a data key rotation ``rewrap`` rewrites the header alone (the file key
wrapped under the new version, the chunks copied unchanged; ``jisheng crypto-rotate`` runs it), so the
old version could be retired. Files of the first format (``JSF1``: the whole header, wrapping included,
in each chunk's associated data) still open; ``rewrap`` re-seals them whole in the present format. A
file without a magic is read as it is (written before sealing; ``jisheng seal-files`` seals such files
in place).

Readers stream: ``open_sealed`` decrypts a chunk at a time; ``clear_copy`` gives a parser that needs
random access (a .xlsx is a zip) a decrypted copy, owner-only, in the data directory's ``tmp`` folder,
removed when the parsing ends. ``SealedFileSystemStorage`` is the default file storage (settings).
"""

from __future__ import annotations

import io
import os
import struct
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible

from jisheng.core.crypto.fields import _field_key, field_key_version
from jisheng.core.crypto.primitives import (
    GCM_TAG_BYTES,
    SM4_KEY_BYTES,
    DecryptionFailed,
    sm4_gcm_decrypt,
    sm4_gcm_encrypt,
)

__all__ = [
    "DecryptionFailed",
    "SealedFileSystemStorage",
    "clear_copy",
    "is_sealed_file",
    "key_version_of",
    "open_sealed",
    "rewrap",
    "rewrap_stored_files",
    "seal_in_place",
    "sealed_chunks",
    "sealed_output",
    "write_sealed",
]

MAGIC = b"JSF2"
MAGIC_V1 = b"JSF1"  # the first format: read, and re-sealed by ``rewrap``
MAGICS = (MAGIC, MAGIC_V1)
CHUNK = 64 * 1024
PREFIX_BYTES = 8
WRAPPED_BYTES = 12 + SM4_KEY_BYTES + GCM_TAG_BYTES
WRAP_PURPOSE = b"jisheng.file-key"


def _wrap(version: str, file_key: bytes, prefix: bytes) -> bytes:
    return sm4_gcm_encrypt(_field_key(version), file_key, WRAP_PURPOSE + prefix)


def _header_of(version: str, wrapped: bytes, prefix: bytes) -> bytes:
    encoded = version.encode("ascii")
    return MAGIC + bytes([len(encoded)]) + encoded + wrapped + prefix


def _header(version: str) -> tuple[bytes, bytes, bytes]:
    """(header, file key, nonce prefix) for a new file."""
    file_key = os.urandom(SM4_KEY_BYTES)
    prefix = os.urandom(PREFIX_BYTES)
    return _header_of(version, _wrap(version, file_key, prefix), prefix), file_key, prefix


def _chunk_nonce(prefix: bytes, index: int) -> bytes:
    return prefix + struct.pack(">I", index)


def _associated(bound: bytes, index: int, last: bool) -> bytes:
    """A chunk's associated data: what binds it (``MAGIC ‖ prefix``; the whole header in ``JSF1``), its
    number and whether it is the last."""
    return bound + struct.pack(">I?", index, last)


def _seal_chunk(key: bytes, prefix: bytes, bound: bytes, index: int, data: bytes, last: bool) -> bytes:
    from cryptography.hazmat.primitives.ciphers import Cipher, modes

    from jisheng.core.crypto.primitives import _sm4

    encryptor = Cipher(_sm4(key), modes.GCM(_chunk_nonce(prefix, index))).encryptor()
    encryptor.authenticate_additional_data(_associated(bound, index, last))
    return encryptor.update(data) + encryptor.finalize() + encryptor.tag


def _rechunk(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The input cut into pieces of exactly CHUNK bytes (the last shorter, possibly empty)."""
    pending = bytearray()
    for piece in chunks:
        pending += piece
        while len(pending) >= CHUNK:
            yield bytes(pending[:CHUNK])
            del pending[:CHUNK]
    yield bytes(pending)


def sealed_chunks(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The sealed form of the plaintext given in pieces of any size: the header, then each chunk."""
    header, key, prefix = _header(field_key_version())
    bound = MAGIC + prefix
    yield header
    pieces = _rechunk(chunks)
    current = next(pieces)
    index = 0
    for following in pieces:
        if not following and len(current) == CHUNK:  # the input ended on a chunk boundary
            break
        yield _seal_chunk(key, prefix, bound, index, current, last=False)
        current, index = following, index + 1
    yield _seal_chunk(key, prefix, bound, index, current, last=True)


def _private_folder(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)


def write_sealed(path: Path, chunks: Iterable[bytes]) -> int:
    """Write the plaintext pieces sealed to ``path`` (owner-only; complete or not there: written to a
    temporary name beside it, then renamed). Returns the number of plaintext bytes."""
    path = Path(path)
    _private_folder(path.parent)
    written = 0

    def counted() -> Iterator[bytes]:
        nonlocal written
        for piece in chunks:
            written += len(piece)
            yield piece

    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            for block in sealed_chunks(counted()):
                handle.write(block)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return written


def is_sealed_file(path: Path) -> bool:
    try:
        with Path(path).open("rb") as handle:
            return handle.read(len(MAGIC)) in MAGICS
    except IsADirectoryError:
        return False


class _Header:
    """A sealed file's header as read: its magic, key version, wrapped file key and nonce prefix."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.magic = handle.read(len(MAGIC))
        length = handle.read(1)
        if self.magic not in MAGICS or len(length) != 1:
            raise DecryptionFailed("not a sealed file")
        encoded = handle.read(length[0])
        self.wrapped = handle.read(WRAPPED_BYTES)
        self.prefix = handle.read(PREFIX_BYTES)
        if (
            len(encoded) != length[0]
            or len(self.wrapped) != WRAPPED_BYTES
            or len(self.prefix) != PREFIX_BYTES
        ):
            raise DecryptionFailed("the header is cut short")
        self.version = encoded.decode("ascii")
        self.raw = self.magic + length + encoded + self.wrapped + self.prefix

    def file_key(self) -> bytes:
        purpose = WRAP_PURPOSE if self.magic == MAGIC_V1 else WRAP_PURPOSE + self.prefix
        return sm4_gcm_decrypt(_field_key(self.version), self.wrapped, purpose)

    def bound(self) -> bytes:
        """What each chunk's associated data begins with."""
        return self.raw if self.magic == MAGIC_V1 else self.magic + self.prefix


class _SealedReader(io.RawIOBase):
    """Reads the plaintext of a sealed file, a chunk at a time (forward only)."""

    def __init__(self, handle: IO[bytes]) -> None:
        super().__init__()
        self._handle = handle
        header = _Header(handle)
        self._prefix = header.prefix
        self._header = header.bound()
        self._key = header.file_key()
        self._index = 0
        self._buffer = b""
        self._ended = False
        self._next = handle.read(CHUNK + GCM_TAG_BYTES)

    def readable(self) -> bool:
        return True

    def _advance(self) -> None:
        current = self._next
        self._next = self._handle.read(CHUNK + GCM_TAG_BYTES)
        last = not self._next
        if len(current) < GCM_TAG_BYTES:
            raise DecryptionFailed("a chunk is cut short")
        nonce = _chunk_nonce(self._prefix, self._index)
        sealed = nonce + current
        self._buffer = sm4_gcm_decrypt(self._key, sealed, _associated(self._header, self._index, last))
        self._index += 1
        self._ended = last

    def readinto(self, target: Any) -> int:
        while not self._buffer and not self._ended:
            self._advance()
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size

    def close(self) -> None:
        self._handle.close()
        super().close()


def open_sealed(path: Path) -> IO[bytes]:
    """The plaintext of the file at ``path`` as a buffered binary stream (a file written before
    sealing is opened as it is)."""
    handle = Path(path).open("rb")  # noqa: SIM115 (given to the caller, who closes it)
    if handle.read(len(MAGIC)) not in MAGICS:
        handle.seek(0)
        return handle
    handle.seek(0)
    return io.BufferedReader(_SealedReader(handle), buffer_size=CHUNK)


def plain_size(path: Path) -> int:
    """The plaintext size, from the sealed file's size (no decryption)."""
    path = Path(path)
    total = path.stat().st_size
    with path.open("rb") as handle:
        if handle.read(len(MAGIC)) not in MAGICS:
            return total
        header = len(MAGIC) + 1 + handle.read(1)[0] + WRAPPED_BYTES + PREFIX_BYTES
    body = total - header
    chunks = max(1, -(-body // (CHUNK + GCM_TAG_BYTES)))
    return body - chunks * GCM_TAG_BYTES


def temporary_folder() -> Path:
    folder = Path(settings.DATA_DIR) / "tmp"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


@contextmanager
def clear_copy(path: Path) -> Iterator[Path]:
    """A path holding the plaintext of ``path``, for parsers that need random access (a .xlsx is a
    zip): a sealed file is decrypted to an owner-only temporary file in the data directory, whose name
    is removed at once where the system allows (Linux: the copy is read through ``/proc/self/fd``, so a
    parser killed for its memory leaves nothing behind), else on exit. A file written before sealing is
    given as it is. The path given may have no suffix: dispatch on the original's."""
    path = Path(path)
    if not is_sealed_file(path):
        yield path
        return
    descriptor, name = tempfile.mkstemp(dir=temporary_folder(), suffix=path.suffix)
    anonymous = Path(f"/proc/self/fd/{descriptor}").exists()
    try:
        if anonymous:
            os.unlink(name)
        with os.fdopen(descriptor, "wb", closefd=False) as target, open_sealed(path) as source:
            while block := source.read(CHUNK):
                target.write(block)
        yield Path(f"/proc/self/fd/{descriptor}") if anonymous else Path(name)
    finally:
        os.close(descriptor)
        Path(name).unlink(missing_ok=True)


@contextmanager
def sealed_output(target: Path, *, suffix: str = "") -> Iterator[Path]:
    """A scratch path (owner-only, in the data directory) for a writer that needs a path of its own
    (a workbook library); on a normal exit what was written there is sealed to ``target`` and the
    scratch file removed (nothing written: ``target`` is removed too)."""
    target = Path(target)
    descriptor, name = tempfile.mkstemp(dir=temporary_folder(), suffix=suffix or target.suffix)
    os.close(descriptor)
    scratch = Path(name)
    scratch.unlink()
    try:
        yield scratch
        if scratch.exists():
            with scratch.open("rb") as source:
                write_sealed(target, iter(lambda: source.read(CHUNK), b""))
        else:
            target.unlink(missing_ok=True)
    finally:
        scratch.unlink(missing_ok=True)
        scratch.with_name(scratch.name + ".part").unlink(missing_ok=True)


def seal_in_place(path: Path) -> bool:
    """Seal a file written in the clear (its name and permissions kept owner-only); False when it was
    sealed already."""
    path = Path(path)
    if is_sealed_file(path):
        return False
    with path.open("rb") as source:
        write_sealed(path, iter(lambda: source.read(CHUNK), b""))
    return True


def key_version_of(path: Path) -> str | None:
    """The data key version the file key of a sealed file is wrapped under (None: not sealed)."""
    with Path(path).open("rb") as handle:
        if handle.read(len(MAGIC)) not in MAGICS:
            return None
        handle.seek(0)
        return _Header(handle).version


def _replace(path: Path, blocks: Iterable[bytes]) -> None:
    """Write ``blocks`` to a new file beside ``path`` (same permissions), flushed to disk, then
    renamed over it: a crash leaves the old file or the new one, never a mix."""
    mode = path.stat().st_mode & 0o777
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            for block in blocks:
                handle.write(block)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def rewrap(path: Path) -> bool:
    """Wrap the file key of a sealed file under the current data key version: the header is rewritten
    (the file key unwrapped under its old version, wrapped under the new), the chunks copied as they
    are, into a new file renamed over the old one. A file of the first format is re-sealed whole. False
    when there is nothing to do (wrapped under the current version already, or not sealed): idempotent,
    so an interrupted run is resumed by running it again. Raises ``DecryptionFailed`` on a damaged
    header or a key that does not open."""
    path = Path(path)
    version = field_key_version()
    with path.open("rb") as source:
        if source.read(len(MAGIC)) not in MAGICS:
            return False
        source.seek(0)
        header = _Header(source)
        if header.magic == MAGIC and header.version == version:
            return False
        if header.magic == MAGIC_V1:
            source.seek(0)
            with io.BufferedReader(_SealedReader(source), buffer_size=CHUNK) as plain:
                _replace(path, sealed_chunks(iter(lambda: plain.read(CHUNK), b"")))
            return True
        wrapped = _wrap(version, header.file_key(), header.prefix)

        def blocks() -> Iterator[bytes]:
            yield _header_of(version, wrapped, header.prefix)
            while block := source.read(CHUNK + GCM_TAG_BYTES):
                yield block

        _replace(path, blocks())
    return True


def sealed_files_under(root: Path) -> Iterator[Path]:
    """Every sealed file under ``root`` (any depth; partial writes, named with a leading dot, left out)."""
    for path in sorted(Path(root).rglob("*")):
        if (
            path.is_file()
            and not path.is_symlink()
            and not path.name.startswith(".")
            and is_sealed_file(path)
        ):
            yield path


def rewrap_stored_files(root: Path) -> tuple[int, int, list[str]]:
    """``rewrap`` every sealed file under ``root``. Returns (re-wrapped now, under the current version
    already, the files that could not be re-wrapped — damaged — relative to ``root``); a damaged file
    does not stop the others."""
    done = already = 0
    damaged: list[str] = []
    for path in sealed_files_under(root):
        try:
            if rewrap(path):
                done += 1
            else:
                already += 1
        except (DecryptionFailed, ValueError):
            damaged.append(str(path.relative_to(root)))
    return done, already, damaged


@deconstructible(path="jisheng.core.sealed_files.SealedFileSystemStorage")
class SealedFileSystemStorage(FileSystemStorage):
    """The file system storage with every file sealed on save and opened on read (``open`` gives the
    plaintext; ``size`` the plaintext size)."""

    def _save(self, name: str, content: Any) -> str:
        full = Path(self.path(name))
        if hasattr(content, "chunks"):
            write_sealed(full, content.chunks())
        else:
            write_sealed(full, iter(lambda: content.read(CHUNK), b""))
        return str(name).replace("\\", "/")

    def _open(self, name: str, mode: str = "rb") -> File:
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("sealed files are written whole through save()")
        return File(open_sealed(Path(self.path(name))), name)

    def size(self, name: str) -> int:
        return plain_size(Path(self.path(name)))


# What ``jisheng seal-files`` seals under MEDIA_ROOT: every file of the folders of personal uploads, and
# in the import folders the uploads (``<job>.<suffix>``), what was read of them (``.cells.jsonl``) and
# the refused rows offered back for correction (``.refused.xlsx``).
# Progress, task and column files beside an import hold no personal data and are read as text.
PERSONAL_FOLDERS = ("hall", "outreach")
IMPORT_FOLDERS = ("imports", "migrant-imports")
IMPORT_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".txt", ".cells.jsonl")


def personal_files(root: Path) -> Iterator[Path]:
    root = Path(root)
    for folder in PERSONAL_FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                yield path
    for folder in IMPORT_FOLDERS:
        for path in sorted((root / folder).glob("*")):
            if path.is_file() and _is_import_file(path.name):
                yield path


def _is_import_file(name: str) -> bool:
    """``12.xlsx``, ``12.xlsx.cells.jsonl`` or ``12.xlsx.refused.xlsx``, not ``12.xlsx.progress``."""
    if not name.split(".", 1)[0].isdigit():
        return False
    if name.endswith((".cells.jsonl", ".refused.xlsx")):
        return True
    return name.count(".") == 1 and name.lower().endswith(IMPORT_SUFFIXES)


def seal_stored_files(root: Path) -> tuple[int, int]:
    """Seal in place every personal file under ``root`` still in the clear (idempotent: a file sealed
    already is left as it is). Returns (sealed now, sealed already)."""
    done = already = 0
    for path in personal_files(root):
        if seal_in_place(path):
            done += 1
        else:
            already += 1
    return done, already
