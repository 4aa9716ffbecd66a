"""Hostile spreadsheets are refused, with a Chinese reason, before the reader allocates anything.

The files are written by hand with zipfile (a few lines of sheet XML), so each test file is small.
Every read runs in a child process with a memory limit: if a guard fails, the child's reader asks
for hundreds of gigabytes and dies, which fails the test instead of killing pytest.
"""

import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

MEMORY_LIMIT = 2 << 30  # bytes of address space for the child; a working guard needs far less

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
    "</Relationships>"
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
    "</Relationships>"
)


def cell(ref, text):
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def write_xlsx(path, rows, dimension=None):
    """An .xlsx whose only sheet holds the given <row> elements (strings, or an iterable of them)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        book.writestr("[Content_Types].xml", CONTENT_TYPES)
        book.writestr("_rels/.rels", PACKAGE_RELS)
        book.writestr("xl/workbook.xml", WORKBOOK)
        book.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            )
            if dimension:
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            sheet.write(b"<sheetData>")
            for row in rows:
                sheet.write(row.encode())
            sheet.write(b"</sheetData></worksheet>")
    return path


HEADER = '<row r="1">' + cell("A1", "姓名") + cell("B1", "身份证号") + "</row>"


def read_in_child(path):
    """read_cells(path) in a child process with limited memory: (return code, what it printed)."""
    script = (
        "import resource, sys\n"
        f"resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_LIMIT}, {MEMORY_LIMIT}))\n"
        "import django; django.setup()\n"
        "from pathlib import Path\n"
        "from django.utils import translation\n"
        "from jisheng.registry.imports.reader import UnreadableFile, read_cells\n"
        "translation.activate('zh-hans')\n"
        "try:\n"
        "    print('READ', len(read_cells(Path(sys.argv[1]))))\n"
        "except UnreadableFile as error:\n"
        "    print('REFUSED', error)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "jisheng.settings"},
    )
    return done.returncode, done.stdout + done.stderr


def test_one_cell_at_a1_and_one_at_xfd1048576_is_refused_without_allocating(tmp_path):
    path = write_xlsx(
        tmp_path / "corner.xlsx", [HEADER, '<row r="1048576">' + cell("XFD1048576", "x") + "</row>"]
    )
    assert path.stat().st_size < 2000
    code, output = read_in_child(path)
    assert code == 0, output
    assert "REFUSED" in output and "行" in output


def test_a_zip_bomb_of_a_million_rows_is_refused_before_it_is_parsed(tmp_path):
    rows = (f'<row r="{n}">{cell(f"A{n}", "张三")}</row>' for n in range(2, 1_000_002))
    path = write_xlsx(tmp_path / "bomb.xlsx", [HEADER, *rows])
    assert path.stat().st_size < 8 * 1024 * 1024
    code, output = read_in_child(path)
    assert code == 0, output
    assert "REFUSED" in output and "200000" in output and "拆分" in output


def test_a_sheet_declaring_a_huge_dimension_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "declared.xlsx", [HEADER], dimension="A1:XFD1048576")
    code, output = read_in_child(path)
    assert code == 0 and "REFUSED" in output, output


def test_a_single_row_reaching_the_last_column_is_refused_as_too_wide(tmp_path):
    path = write_xlsx(
        tmp_path / "wide.xlsx", ['<row r="1">' + cell("A1", "姓名") + cell("XFD1", "x") + "</row>"]
    )
    code, output = read_in_child(path)
    assert code == 0 and "REFUSED" in output and "列" in output, output


def test_cells_without_references_count_by_their_position_in_the_row(tmp_path):
    wide_row = '<row r="2">' + "<c><v>1</v></c>" * 5000 + "</row>"
    path = write_xlsx(
        tmp_path / "unreferenced.xlsx", [HEADER, wide_row, '<row r="150000"><c><v>1</v></c></row>']
    )
    code, output = read_in_child(path)
    assert code == 0 and "REFUSED" in output and "列" in output, output


def test_a_cell_whose_reference_lies_outside_its_row_is_still_counted(tmp_path):
    # Row 3 holds a cell that names row 150000 and one at column IV: 150,000 x 256 cells to build.
    row = '<row r="3">' + cell("A3", "x") + cell("IV3", "x") + cell("B150000", "x") + "</row>"
    path = write_xlsx(tmp_path / "outside.xlsx", [HEADER, row])
    code, output = read_in_child(path)
    assert code == 0 and "REFUSED" in output and "150000" in output, output


def test_a_part_that_lies_about_its_unpacked_size_is_refused_as_damaged(tmp_path):
    path = write_xlsx(
        tmp_path / "liar.xlsx", [HEADER] + [f'<row r="{n}">{cell(f"A{n}", "x")}</row>' for n in range(2, 500)]
    )
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as book:
        info = book.getinfo("xl/worksheets/sheet1.xml")
    # Shrink the declared size in the central directory entry (its uncompressed size field).
    entry = data.rfind(b"PK\x01\x02", 0, data.rfind(b"xl/worksheets/sheet1.xml"))
    declared = struct.unpack_from("<I", data, entry + 24)[0]
    if declared == 0xFFFFFFFF:  # zip64: the real size is in the extra field
        pytest.skip("written as zip64")
    assert declared == info.file_size
    struct.pack_into("<I", data, entry + 24, 200)
    path.write_bytes(bytes(data))
    code, output = read_in_child(path)
    assert code == 0 and "REFUSED" in output and "损坏" in output, output


def test_an_ordinary_workbook_within_the_limits_is_read(tmp_path):
    rows = [f'<row r="{n}">{cell(f"A{n}", "张三")}{cell(f"B{n}", "x")}</row>' for n in range(2, 2002)]
    path = write_xlsx(tmp_path / "ordinary.xlsx", [HEADER, *rows], dimension="A1:B2001")
    code, output = read_in_child(path)
    assert code == 0 and "READ 2001" in output, output


def test_a_csv_of_too_many_lines_is_refused(tmp_path, settings):
    path = tmp_path / "long.csv"
    path.write_text("姓名,身份证号\n" + "张三,1\n" * 200_020, encoding="utf-8")
    code, output = read_in_child(path)
    assert code == 0 and "REFUSED" in output and "200000" in output, output


def test_the_command_line_exits_non_zero_with_the_reason_instead_of_aborting(tmp_path):
    path = write_xlsx(
        tmp_path / "corner.xlsx", [HEADER, '<row r="1048576">' + cell("XFD1048576", "x") + "</row>"]
    )
    command = Path(sys.executable).with_name("jisheng")

    def limit_memory():
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    done = subprocess.run(
        [str(command), "import", "persons", str(path), "--dry-run"],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=limit_memory,
        env={**os.environ, "JISHENG_DATA_DIR": str(tmp_path / "data")},
    )
    assert done.returncode == 1, done.stderr  # CommandError, not a signal (negative) or a traceback
    assert "行" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.skipif(os.environ.get("JISHENG_HOSTILE_CHILD") != "1", reason="runs inside the test below")
def test_child_uploads_the_corner_file_through_the_web_import(tmp_path, areas, make_user, client_for):
    from jisheng.registry.models import ImportJob

    officer = make_user(areas["village_a"], "village_officer")
    path = write_xlsx(
        tmp_path / "corner.xlsx", [HEADER, '<row r="1048576">' + cell("XFD1048576", "x") + "</row>"]
    )
    with path.open("rb") as handle:
        response = client_for(officer).post("/registry/import/", {"kind": "persons", "file": handle})
    page = response.content.decode()
    assert response.status_code == 200 and "超过 200000 行" in page
    assert ImportJob.objects.get().status == ImportJob.Status.FAILED


def test_the_web_import_refuses_the_corner_file_with_the_reason_instead_of_killing_the_worker():
    def limit_memory():
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"{__file__}::test_child_uploads_the_corner_file_through_the_web_import",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        preexec_fn=limit_memory,
        env={**os.environ, "JISHENG_HOSTILE_CHILD": "1"},
    )
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout[-3000:] + done.stderr[-2000:]
