"""The report forms are parsed once per set of files, and a file changed on disk is read at the next call."""

from __future__ import annotations

import os
import shutil
import tomllib
from pathlib import Path

import pytest

from jisheng.reporting import definitions


@pytest.fixture
def policy_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(definitions.POLICY_DIR, tmp_path / "reporting")
    monkeypatch.setattr(definitions, "POLICY_DIR", tmp_path / "reporting")
    return tmp_path / "reporting" / "forms"


def test_an_unchanged_folder_of_forms_is_not_parsed_again(policy_copy: Path, monkeypatch: pytest.MonkeyPatch):
    first = definitions.form_files()
    parsed: list[Path] = []
    original = definitions._read_toml

    def counting(path: Path) -> dict:
        parsed.append(path)
        return original(path)

    monkeypatch.setattr(definitions, "_read_toml", counting)

    again = definitions.form_files()

    assert again == first and parsed == []


def test_a_form_file_edited_on_disk_is_read_at_the_next_call(policy_copy: Path):
    path = sorted(policy_copy.glob("*.toml"))[0]
    code = tomllib.loads(path.read_text(encoding="utf-8"))["code"]
    before = definitions.form_files()[code]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(f'name = "{before.name}"', 'name = "改过的表名"', 1), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))

    after = definitions.form_files()[code]

    assert before.name != "改过的表名" and after.name == "改过的表名"


def test_a_form_file_removed_is_gone_at_the_next_call(policy_copy: Path):
    path = sorted(policy_copy.glob("*.toml"))[0]
    code = tomllib.loads(path.read_text(encoding="utf-8"))["code"]
    assert code in definitions.form_files()
    path.unlink()

    assert code not in definitions.form_files()
