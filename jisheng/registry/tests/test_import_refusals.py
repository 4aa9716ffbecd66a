"""Import refusals speak to the person who typed the cell: the cell as typed, every problem of a row
at once, and the refused rows as an .xlsx to correct and import again."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation
from openpyxl import Workbook, load_workbook

from jisheng.audit.models import AuditEvent
from jisheng.registry.imports.engine import run_import
from jisheng.registry.models import ImportJob, Person
from tests.factories import SETUP, make_id

HEADERS = ["姓名", "身份证号", "性 别", "出生日期", "联系电话", "村代码"]


def roster(path, rows, headers=HEADERS):
    book = Workbook()
    sheet = book.active
    sheet.append(["王庄村人口花名册"])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":
                cell.data_type = "s"  # typed as text by the person, as a name is
    book.save(path)
    return path


def test_a_refusal_quotes_the_cell_as_typed_with_row_and_header_as_in_the_file(tmp_path, areas):
    man = make_id(datetime.date(1988, 8, 8), "1")
    path = roster(tmp_path / "r.xlsx", [["周九", man, "女", "1988年8月9日", "", areas["village_a"].code]])
    with translation.override("zh-hans"):
        result = run_import(path=path, kind="persons", by=SETUP, dry_run=True)
        lines = [str(error) for error in result.errors]
    sex = next(line for line in lines if "(性 别)" in line)
    assert sex.startswith("第 3 行，C(性 别) 列，值 女") and "男" in sex  # not the code "2" it was read as
    birth = next(line for line in lines if "出生日期" in line)
    assert "值 1988年8月9日" in birth  # as typed, not 1988-08-09


def test_every_problem_of_a_row_is_listed_at_once(tmp_path, areas):
    man = make_id(datetime.date(1988, 8, 8), "1")
    elsewhere = "411723999201"  # not a village of the file's area
    path = roster(tmp_path / "r.xlsx", [["周九", man, "女", "1988-08-09", "12ab", elsewhere]])
    with translation.override("zh-hans"):
        result = run_import(path=path, kind="persons", by=SETUP, dry_run=True)
    columns = [error.column for error in result.errors if error.row == 3]
    assert columns == ["C(性 别)", "D(出生日期)", "E(联系电话)", "F(村代码)"]


def test_a_repeated_row_with_a_village_outside_the_area_hears_of_both(tmp_path, areas):
    man = make_id(datetime.date(1980, 1, 1), "1")
    village = areas["village_a"].code
    path = roster(
        tmp_path / "r.xlsx", [["甲一", man, "", "", "", village], ["甲一", man, "", "", "", "411723999201"]]
    )
    with translation.override("zh-hans"):
        result = run_import(path=path, kind="persons", by=SETUP, dry_run=True)
        lines = [str(error) for error in result.errors if error.row == 4]
    assert len(lines) == 2 and "第 3 行" in lines[0] and "411723999201" in lines[1]


def test_accepted_rows_whose_id_area_code_needs_a_look_are_listed_as_warnings(tmp_path, areas):
    from stdnum.cn import ric

    body = "41999919880808001"
    unknown_area = body + ric.calc_check_digit(body + "0")
    path = roster(tmp_path / "r.xlsx", [["周九", unknown_area, "男", "", "", areas["village_a"].code]])
    with translation.override("zh-hans"):
        result = run_import(path=path, kind="persons", by=SETUP)
        summary = result.summary()
    assert result.created == 1 and not result.errors
    assert [warning.row for warning in result.warnings] == [3] and "419999" in str(result.warnings[0])
    assert "有提示的行" in summary


def test_the_refused_rows_download_as_xlsx_with_reasons_ready_to_import_again(tmp_path, areas):
    village = areas["village_a"].code
    good = make_id(datetime.date(1980, 1, 1), "1")
    man = make_id(datetime.date(1988, 8, 8), "1")
    path = roster(
        tmp_path / "r.xlsx",
        [
            ["甲一", good, "男", "", "", village],
            ['=HYPERLINK("http://evil.example","点我")', man, "女", "", "", village],
        ],
    )
    refused = tmp_path / "refused.xlsx"
    with translation.override("zh-hans"):
        call_command("import", "persons", str(path), "--refused", str(refused), stdout=io.StringIO())
    sheet = load_workbook(refused).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == [*HEADERS, "原因"]
    assert len(rows) == 2 and rows[1][:3] == ['=HYPERLINK("http://evil.example","点我")', man, "女"]
    assert sheet["A2"].data_type == "s"  # the name is text, never a live formula
    assert "原文件第 4 行" in rows[1][-1] and "C(性 别)“女”" in rows[1][-1]
    # Corrected in the downloaded file and imported again, the row goes in.
    book = load_workbook(refused)
    book.active["A2"] = "乙二"
    book.active["C2"] = "男"
    book.save(refused)
    assert run_import(path=refused, kind="persons", by=SETUP).created == 1
    assert Person.objects.filter(name="乙二").exists()


@pytest.fixture
def officer(areas, make_user):
    return make_user(areas["village_a"], "village_officer")


def upload(client, tmp_path, rows):
    path = roster(tmp_path / "花名册.xlsx", rows)
    with path.open("rb") as handle:
        client.post("/registry/import/", {"kind": "persons", "file": handle})
    return ImportJob.objects.latest("pk")


@override_settings(REGISTRY_IMPORT_SYNC=True)
def test_only_the_importing_user_downloads_the_refused_rows_and_it_is_recorded(
    tmp_path, areas, officer, make_user, client_for
):
    client = client_for(officer)
    man = make_id(datetime.date(1988, 8, 8), "1")
    job = upload(client, tmp_path, [["周九", man, "女", "", "", areas["village_a"].code]])
    client.post(
        f"/registry/import/{job.pk}/run/",
        {"action": "check", "map_name": "0", "map_id_number": "1", "map_sex": "2"},
    )
    page = client.get(f"/registry/import/{job.pk}/progress/").content.decode()
    assert f"/registry/import/{job.pk}/refused.xlsx" in page
    response = client.get(f"/registry/import/{job.pk}/refused.xlsx")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet["B2"].value == man
    assert AuditEvent.objects.filter(action="disclosure.registry_import_refused").count() == 1
    colleague = make_user(areas["village_a"], "village_officer")
    sibling = make_user(areas["village_b"], "village_officer")
    for other in (colleague, sibling):
        assert client_for(other).get(f"/registry/import/{job.pk}/refused.xlsx").status_code == 404


@override_settings(REGISTRY_IMPORT_SYNC=True)
def test_the_import_pages_never_open_the_spreadsheet_again(tmp_path, areas, officer, client_for, monkeypatch):
    from jisheng.registry.imports import engine, reader

    client = client_for(officer)
    job = upload(client, tmp_path, [["甲一", make_id(datetime.date(1980, 1, 1), "1"), "男", "", "", ""]])

    def no_parsing(*args, **kwargs):
        raise AssertionError("a page view parsed the file")

    monkeypatch.setattr(reader, "read_cells", no_parsing)
    monkeypatch.setattr(engine, "read_cells", no_parsing)
    page = client.get(f"/registry/import/{job.pk}/").content.decode()
    assert "B · 身份证号" in page and "C · 性 别" in page  # the columns stored at upload
    assert client.get(f"/registry/import/{job.pk}/progress/").status_code == 200
    # The check and the commit work from the cells read at upload too: the file is parsed once.
    client.post(f"/registry/import/{job.pk}/run/", {"action": "check", "map_name": "0", "map_id_number": "1"})
    client.post(f"/registry/import/{job.pk}/run/", {"action": "commit"})
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and Person.objects.filter(name="甲一").exists()


def test_the_cells_kept_at_upload_come_back_with_their_types(tmp_path):
    from jisheng.registry.imports.reader import load_cells, save_cells

    cells = [
        ["姓名", 4.11723198503021e17, 33055, True, None, ""],
        [
            datetime.date(1990, 7, 1),
            datetime.datetime(1990, 7, 1, 8, 30),
            datetime.time(8, 30),
            '{"date": "x"}',
        ],
    ]
    save_cells(cells, tmp_path / "cells.jsonl")
    assert load_cells(tmp_path / "cells.jsonl") == cells


def test_a_job_whose_thread_died_is_shown_failed_with_the_reason(tmp_path, areas, officer, client_for):
    import os
    import time

    from jisheng.registry.services import import_job_progress

    stored = tmp_path / "upload.xlsx"
    stored.write_bytes(b"")
    job = ImportJob.objects.create(
        kind="persons",
        file_name="花名册.xlsx",
        stored_path=str(stored),
        area=areas["village_a"],
        created_by=officer,
        status=ImportJob.Status.IMPORTING,
    )
    import_job_progress(job=job, done=25000, total=100000)
    page = client_for(officer).get(f"/registry/import/{job.pk}/progress/").content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTING and 'hx-trigger="every 1s"' in page
    old = time.time() - 11 * 60
    os.utime(job.progress_path, (old, old))
    page = client_for(officer).get(f"/registry/import/{job.pk}/progress/").content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "中止" in job.message and "every 1s" not in page


def test_a_web_import_larger_than_the_limit_is_refused_while_it_streams(areas, officer, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    big = SimpleUploadedFile("big.csv", b"x" * (50 * 1024 * 1024 + 1), content_type="text/csv")
    response = client_for(officer).post("/registry/import/", {"kind": "persons", "file": big})
    page = response.content.decode()
    assert response.status_code == 200 and "50 MB" in page and "文件未接收" in page
    assert not ImportJob.objects.exists()


@override_settings(REGISTRY_IMPORT_SYNC=True)
def test_the_import_page_lists_each_row_with_a_warning(tmp_path, areas, officer, client_for):
    from stdnum.cn import ric

    body = "41999919880808001"
    unknown_area = body + ric.calc_check_digit(body + "0")
    client = client_for(officer)
    job = upload(client, tmp_path, [["周九", unknown_area, "男", "", "", areas["village_a"].code]])
    client.post(f"/registry/import/{job.pk}/run/", {"action": "check", "map_name": "0", "map_id_number": "1"})
    page = client.get(f"/registry/import/{job.pk}/").content.decode()
    assert "第 3 行，B(身份证号) 列" in page and "419999" in page and "提示" in page
