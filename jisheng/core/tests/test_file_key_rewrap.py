"""After a data key rotation the file key of every sealed file is wrapped under the new version: only
the header is rewritten (beside the file, then renamed), the chunks stay byte for byte, the file reads
back the same, the old key version is no longer needed to open it, a file cut short still fails, and
the step is idempotent and resumes after an interruption."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from jisheng.audit.models import AuditEvent
from jisheng.core import sealed_files
from jisheng.core.crypto import fields
from jisheng.core.crypto.keys import set_current_version
from jisheng.core.crypto.primitives import GCM_TAG_BYTES, sm4_gcm_encrypt
from jisheng.core.sealed_files import CHUNK, DecryptionFailed

ID_NUMBER = b"41172319900101002X"


@pytest.fixture
def own_keys(settings: Any, tmp_path: Any) -> Any:
    settings.KEYS_DIR = tmp_path / "keys"
    settings.MEDIA_ROOT = tmp_path / "uploads"
    settings.DATA_DIR = tmp_path
    return tmp_path


def content(size: int) -> bytes:
    return ((b"chen," + ID_NUMBER + b"\n") * (size // 24 + 1))[:size]


def header_length(raw: bytes) -> int:
    return 4 + 1 + raw[4] + sealed_files.WRAPPED_BYTES + sealed_files.PREFIX_BYTES


def some_files(uploads: Path) -> dict[Path, bytes]:
    files = {
        uploads / "hall" / "2026" / "01" / "form.jpg": content(0),
        uploads / "imports" / "12.xlsx": content(CHUNK + 5),
        uploads / "imports" / "12.xlsx.cells.jsonl": content(3 * CHUNK),
        uploads / "outreach" / "inspections" / "3" / "b.png": content(100),
    }
    for path, data in files.items():
        sealed_files.write_sealed(path, [data])
    return files


def forget_key(own_keys: Path, version: str) -> None:
    """The old data key retired: its file gone and no copy kept in memory."""
    (own_keys / "keys" / "sm" / f"field-sm4-{version}.key").unlink()
    fields._keys.clear()


def test_after_a_rotation_every_sealed_file_names_the_new_version_and_reads_back_byte_identical(
    own_keys: Path, db: None
) -> None:
    uploads = own_keys / "uploads"
    files = some_files(uploads)
    progress = uploads / "imports" / "12.xlsx.progress"
    progress.write_bytes(b"10 20")  # not personal data, kept in the clear
    chunks_before = {path: path.read_bytes()[header_length(path.read_bytes()) :] for path in files}
    assert {sealed_files.key_version_of(path) for path in files} == {"1"}
    out = io.StringIO()
    call_command("crypto-rotate", stdout=out)
    assert "field-sm4-2: 4 now, 0 already" in out.getvalue()
    for path in files:
        raw = path.read_bytes()
        assert sealed_files.key_version_of(path) == "2" and raw.startswith(b"JSF2\x012")
        assert raw[header_length(raw) :] == chunks_before[path]  # the chunks are unchanged
        assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert progress.read_bytes() == b"10 20"
    assert not [path for path in uploads.rglob(".*")]  # no partial file left beside
    forget_key(own_keys, "1")
    for path, data in files.items():
        with sealed_files.open_sealed(path) as handle:
            assert handle.read() == data
    event = AuditEvent.objects.get(action="crypto.file_keys_rewrap")
    assert event.after == {"version": "2", "rewrapped": 4, "current": 0, "damaged": []}


def test_a_rewrapped_file_cut_mid_way_or_at_a_chunk_boundary_still_fails_to_open(
    own_keys: Path, db: None
) -> None:
    path = own_keys / "uploads" / "imports" / "7.xlsx"
    sealed_files.write_sealed(path, [content(3 * CHUNK + 10)])
    call_command("crypto-rotate", stdout=io.StringIO())
    raw = path.read_bytes()
    start = header_length(raw)
    for cut in (start + CHUNK // 2, start + 2 * (CHUNK + GCM_TAG_BYTES), len(raw) - 1):
        path.write_bytes(raw[:cut])
        with pytest.raises(DecryptionFailed), sealed_files.open_sealed(path) as handle:
            handle.read()
    # Another file's header on these chunks does not open them either.
    other = own_keys / "uploads" / "imports" / "8.xlsx"
    sealed_files.write_sealed(other, [content(3 * CHUNK + 10)])
    other_raw = other.read_bytes()
    path.write_bytes(other_raw[: header_length(other_raw)] + raw[start:])
    with pytest.raises(DecryptionFailed), sealed_files.open_sealed(path) as handle:
        handle.read()


def test_rewrapping_is_idempotent_and_resumes_after_an_interruption(
    own_keys: Path, db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    uploads = own_keys / "uploads"
    files = some_files(uploads)
    set_current_version("field-sm4", "2")  # the columns' rotation done; the files' step then stopped
    replace = os.replace
    calls = {"n": 0}

    def interrupted(source: Any, target: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        replace(source, target)

    monkeypatch.setattr(sealed_files.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        call_command("crypto-rotate", "--files", stdout=io.StringIO())
    monkeypatch.setattr(sealed_files.os, "replace", replace)
    assert sorted(str(sealed_files.key_version_of(path)) for path in files) == ["1", "1", "2", "2"]
    assert not [path for path in uploads.rglob(".*")]
    for path, data in files.items():  # every file whole, under one version or the other
        with sealed_files.open_sealed(path) as handle:
            assert handle.read() == data
    out = io.StringIO()
    call_command("crypto-rotate", "--files", stdout=out)
    assert "field-sm4-2: 2 now, 2 already" in out.getvalue()
    again = io.StringIO()
    call_command("crypto-rotate", "--files", stdout=again)
    assert "field-sm4-2: 0 now, 4 already" in again.getvalue()
    forget_key(own_keys, "1")
    for path, data in files.items():
        with sealed_files.open_sealed(path) as handle:
            assert handle.read() == data


def write_first_format(path: Path, data: bytes) -> None:
    """A file as the first format sealed it: the whole header in each chunk's associated data."""
    key, prefix = os.urandom(16), os.urandom(8)
    wrapped = sm4_gcm_encrypt(fields._field_key("1"), key, sealed_files.WRAP_PURPOSE)
    header = b"JSF1\x011" + wrapped + prefix
    pieces = [data[i : i + CHUNK] for i in range(0, len(data), CHUNK)] or [b""]
    body = b"".join(
        sealed_files._seal_chunk(key, prefix, header, index, piece, last=index == len(pieces) - 1)
        for index, piece in enumerate(pieces)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header + body)


def test_a_file_of_the_first_format_still_opens_and_is_resealed_whole_in_the_present_one(
    own_keys: Path, db: None
) -> None:
    path = own_keys / "uploads" / "hall" / "old.pdf"
    data = content(2 * CHUNK + 3)
    write_first_format(path, data)
    with sealed_files.open_sealed(path) as handle:
        assert handle.read() == data
    call_command("crypto-rotate", stdout=io.StringIO())
    assert path.read_bytes().startswith(b"JSF2\x012")
    forget_key(own_keys, "1")
    with sealed_files.open_sealed(path) as handle:
        assert handle.read() == data
