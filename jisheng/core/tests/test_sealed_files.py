"""Personal files are sealed at rest with SM4-GCM through one module: what is on disk holds none of the
plaintext, reads give back the same bytes, a file altered, cut short or reordered does not open, the
storage every upload goes through seals and serves the plaintext, a parser gets a private decrypted copy
that is gone when it is done, files written before sealing still read and ``seal-files`` seals them
once, and a file sealed before a key rotation still opens after it."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.management import call_command

from jisheng.core import sealed_files
from jisheng.core.crypto.keys import set_current_version
from jisheng.core.sealed_files import CHUNK, DecryptionFailed

ID_NUMBER = b"41172319900101002X"


@pytest.fixture
def own_keys(settings: Any, tmp_path: Any) -> Any:
    """A key store and an uploads folder of this test's own."""
    settings.KEYS_DIR = tmp_path / "keys"
    settings.MEDIA_ROOT = tmp_path / "uploads"
    settings.DATA_DIR = tmp_path
    return tmp_path


def plaintext(size: int) -> bytes:
    line = b"name,id_number\n" + b"chen," + ID_NUMBER + b"\n"
    return (line * (size // len(line) + 1))[:size]


@pytest.mark.parametrize("size", [0, 1, 100, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17])
def test_a_sealed_file_reads_back_byte_identical_and_holds_no_plaintext(own_keys: Path, size: int) -> None:
    data = plaintext(size)
    path = own_keys / "f.csv"
    assert sealed_files.write_sealed(path, [data[:7], data[7:]]) == size
    raw = path.read_bytes()
    assert raw.startswith(b"JSF2")
    assert ID_NUMBER not in raw and b"name,id_number" not in raw
    assert path.stat().st_mode & 0o077 == 0
    with sealed_files.open_sealed(path) as handle:
        assert handle.read() == data
    assert sealed_files.plain_size(path) == size


def test_a_file_altered_cut_short_or_with_a_chunk_dropped_does_not_open(own_keys: Path) -> None:
    data = plaintext(2 * CHUNK + 5)
    path = own_keys / "f.bin"
    sealed_files.write_sealed(path, [data])
    raw = path.read_bytes()
    header = len(raw) - len(data) - 3 * 16
    altered = bytearray(raw)
    altered[header + 10] ^= 1
    last_chunk_dropped = raw[: header + 2 * (CHUNK + 16)]
    for broken in (bytes(altered), last_chunk_dropped, raw[:-1]):
        path.write_bytes(broken)
        with pytest.raises(DecryptionFailed), sealed_files.open_sealed(path) as handle:
            handle.read()


def test_the_default_storage_seals_what_it_saves_and_opens_the_plaintext(own_keys: Path) -> None:
    assert isinstance(default_storage, sealed_files.SealedFileSystemStorage)
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + ID_NUMBER + b"\x00" * 70_000
    name = default_storage.save("hall/2026/12/photo.jpg", ContentFile(jpeg))
    raw = (own_keys / "uploads" / name).read_bytes()
    assert not raw.startswith(b"\xff\xd8") and ID_NUMBER not in raw
    with default_storage.open(name, "rb") as handle:
        assert handle.read() == jpeg
    assert default_storage.size(name) == len(jpeg)
    with pytest.raises(ValueError):
        storages.create_storage({"BACKEND": "jisheng.core.sealed_files.SealedFileSystemStorage"}).open(
            name, "wb"
        )


def test_a_parser_gets_a_private_clear_copy_that_is_gone_afterwards(own_keys: Path) -> None:
    data = plaintext(CHUNK * 2)
    path = own_keys / "uploads" / "imports" / "7.csv"
    sealed_files.write_sealed(path, [data])
    with sealed_files.clear_copy(path) as clear:
        assert clear.read_bytes() == data
        assert list((own_keys / "tmp").iterdir()) == []  # no name another process could open
    with pytest.raises(OSError):
        clear.read_bytes()
    plain = own_keys / "old.csv"
    plain.write_bytes(data)
    with sealed_files.clear_copy(plain) as same:
        assert same == plain


def test_files_written_in_the_clear_still_read_and_seal_files_seals_them_once_audited(
    own_keys: Path, db: None
) -> None:
    from jisheng.audit.models import AuditEvent

    uploads = own_keys / "uploads"
    photo = uploads / "hall" / "2026" / "01" / "a.jpg"
    upload = uploads / "imports" / "12.xlsx"
    cells = uploads / "imports" / "12.xlsx.cells.jsonl"
    progress = uploads / "imports" / "12.xlsx.progress"
    inspection = uploads / "outreach" / "inspections" / "3" / "b.png"
    for path, content in (
        (photo, b"\xff\xd8photo"),
        (upload, b"PK\x03\x04" + ID_NUMBER),
        (cells, b'["' + ID_NUMBER + b'"]\n'),
        (progress, b"10 20"),
        (inspection, b"\x89PNG"),
    ):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    with sealed_files.open_sealed(upload) as handle:
        assert handle.read() == b"PK\x03\x04" + ID_NUMBER
    out = io.StringIO()
    call_command("seal-files", stdout=out)
    assert "sealed 4 files, 0 already sealed" in out.getvalue()
    for path in (photo, upload, cells, inspection):
        assert path.read_bytes().startswith(b"JSF2") and ID_NUMBER not in path.read_bytes()
    assert progress.read_bytes() == b"10 20"
    with sealed_files.open_sealed(cells) as handle:
        assert handle.read() == b'["' + ID_NUMBER + b'"]\n'
    again = io.StringIO()
    call_command("seal-files", stdout=again)
    assert "sealed 0 files, 4 already sealed" in again.getvalue()
    events = AuditEvent.objects.filter(action="crypto.files_seal").order_by("id")
    assert [event.after for event in events] == [{"sealed": 4, "already": 0}, {"sealed": 0, "already": 4}]
    # The scheduler's daily run (and its run at start) records only when it sealed something.
    call_command("seal-files", "--scheduled", stdout=io.StringIO())
    assert events.count() == 2
    late = uploads / "hall" / "2026" / "02" / "c.jpg"
    late.parent.mkdir(parents=True)
    late.write_bytes(b"\xff\xd8restored from an old backup")
    call_command("seal-files", "--scheduled", stdout=io.StringIO())
    assert events.last().after == {"sealed": 1, "already": 4}
    assert events.last().actor_username == "system:seal files"


def test_the_scheduler_seals_files_at_start_and_sweeps_uploads_daily() -> None:
    from jisheng.core.management.commands.scheduler import schedule

    assert ("seal-files --scheduled", 1440) in schedule()
    assert ("uploads-sweep", 1440) in schedule()


def test_a_file_sealed_before_a_key_rotation_still_opens_after_it(own_keys: Path) -> None:
    before = own_keys / "before.bin"
    sealed_files.write_sealed(before, [b"old" + ID_NUMBER])
    set_current_version("field-sm4", "2")
    after = own_keys / "after.bin"
    sealed_files.write_sealed(after, [b"new" + ID_NUMBER])
    assert b"\x012" in after.read_bytes()[:8] and b"\x011" in before.read_bytes()[:8]
    with sealed_files.open_sealed(before) as old, sealed_files.open_sealed(after) as new:
        assert (old.read(), new.read()) == (b"old" + ID_NUMBER, b"new" + ID_NUMBER)
