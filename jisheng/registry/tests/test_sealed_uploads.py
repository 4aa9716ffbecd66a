"""An uploaded roster is sealed at rest (SM4-GCM) from the moment it is written, and so is what was read
of it and the refused rows offered back: the stored bytes are not a valid .xlsx and hold no ID number, the import reads the sealed file
through a private decrypted copy and gives the same result as from the clear file, and a hostile
workbook is still refused by the checks made on the decrypted copy."""

from __future__ import annotations

import datetime
import zipfile
from pathlib import Path

import pytest
from django.test import override_settings
from openpyxl import Workbook

from jisheng.core import sealed_files
from jisheng.registry.imports.reader import HostileFile, read_cells
from jisheng.registry.models import ImportJob, Person
from tests.factories import make_id

from .test_hostile_files import HEADER, cell, write_xlsx


@pytest.fixture
def officer(areas, make_user):
    return make_user(areas["village_a"], "village_officer")


@override_settings(REGISTRY_IMPORT_SYNC=True)
def test_an_uploaded_workbook_is_sealed_on_disk_and_imports_as_before(tmp_path, areas, officer, client_for):
    number = make_id(datetime.date(1980, 1, 1), "1")
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "公民身份号码"])
    sheet.append(["甲一", number])
    sheet.append(["乙二", "123"])
    path = tmp_path / "people.xlsx"
    book.save(path)
    client = client_for(officer)
    with path.open("rb") as handle:
        assert client.post("/registry/import/", {"kind": "persons", "file": handle}).status_code == 302
    job = ImportJob.objects.get()
    stored = Path(job.stored_path)
    raw = stored.read_bytes()
    assert raw.startswith(b"JSF2") and not zipfile.is_zipfile(stored)
    assert number.encode() not in raw
    cells = stored.with_name(stored.name + ".cells.jsonl").read_bytes()
    assert cells.startswith(b"JSF2") and number.encode() not in cells
    assert read_cells(stored) == read_cells(path)  # the same cells as the clear file gives
    assert list(Path(sealed_files.temporary_folder()).iterdir()) == []  # no clear copy left behind
    client.post(f"/registry/import/{job.pk}/run/", {"action": "check", "map_name": "0", "map_id_number": "1"})
    refused = stored.with_name(stored.name + ".refused.xlsx").read_bytes()
    assert refused.startswith(b"JSF2") and "乙二".encode() not in refused
    download = client.get(f"/registry/import/{job.pk}/refused.xlsx")
    assert download.status_code == 200
    offered = tmp_path / "refused.xlsx"
    offered.write_bytes(b"".join(download.streaming_content))
    assert [str(value) for value in read_cells(offered)[1][:2]] == ["乙二", "123"]
    client.post(f"/registry/import/{job.pk}/run/", {"action": "commit"})
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.message
    assert list(Person.objects.values_list("name", "id_number")) == [("甲一", number)]


def test_a_sealed_hostile_workbook_is_refused_by_the_checks_on_the_decrypted_copy(tmp_path):
    clear = write_xlsx(
        tmp_path / "corner.xlsx", [HEADER, '<row r="1048576">' + cell("XFD1048576", "x") + "</row>"]
    )
    stored = tmp_path / "1.xlsx"
    with clear.open("rb") as source:
        sealed_files.write_sealed(stored, iter(lambda: source.read(4096), b""))
    assert not zipfile.is_zipfile(stored)
    with pytest.raises(HostileFile):
        read_cells(stored)
