"""Reading a spreadsheet into a header and rows, whatever Excel and WPS produced.

.xlsx goes through python-calamine (measured ~9x faster than openpyxl's read-only mode on a
100,000-row sheet). .csv may be UTF-8 with or without a BOM, or GBK/GB18030 as Chinese Excel saves it.
Title rows above the header (often one merged cell) and blank rows anywhere are skipped; row numbers
stay those the user sees in Excel. Nothing is opened before ``guard`` has checked its size.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from jisheng.core.sealed_files import DecryptionFailed, clear_copy, open_sealed, write_sealed
from jisheng.core.text import normalize_text

from .guard import HostileFile, UnreadableFile, check_csv, check_xlsx

__all__ = ["HostileFile", "Table", "UnreadableFile", "find_table", "load_cells", "read_cells", "save_cells"]

HEADER_SEARCH_ROWS = 10


@dataclass
class Table:
    headers: list[str]
    header_row: int  # 1-based, as Excel numbers rows
    rows: list[tuple[int, list[Any]]]  # (row number, cells) of non-blank rows below the header
    labels: list[str] = field(default_factory=list)  # the headers as typed, for messages and files


def read_cells(path: Path) -> list[list[Any]]:
    """The cells of the first sheet. A stored upload is sealed at rest: the guard and the reader see a
    decrypted copy that no other user can read and that is gone when they are done."""
    suffix = path.suffix.lower()
    try:
        with clear_copy(path) as clear:
            return _read_clear(clear, suffix)
    except DecryptionFailed:  # altered on disk: as unreadable as a damaged workbook
        raise UnreadableFile(
            _("The file cannot be read as a spreadsheet; open it in Excel or WPS and save it as .xlsx.")
        ) from None


def _read_clear(path: Path, suffix: str) -> list[list[Any]]:
    if suffix in (".xlsx", ".xlsm"):
        check_xlsx(path)  # before the reader sees it: see guard
        from python_calamine import CalamineError, CalamineWorkbook, PasswordError, XmlError, ZipError

        try:
            sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
            # skip_empty_area=False keeps leading blank rows, so row numbers match what Excel shows.
            return sheet.to_python(skip_empty_area=False)
        except PasswordError:
            raise UnreadableFile(_("The workbook is protected by a password; save it without one.")) from None
        except (CalamineError, XmlError, ZipError, IndexError):
            raise UnreadableFile(
                _("The file cannot be read as a spreadsheet; open it in Excel or WPS and save it as .xlsx.")
            ) from None
    if suffix in (".csv", ".txt"):
        check_csv(path)
        try:
            return list(csv.reader(io.StringIO(decode_csv(path.read_bytes()))))
        except (UnicodeDecodeError, csv.Error):
            raise UnreadableFile(
                _("The file is not text in UTF-8 or GBK; save it as .csv or .xlsx again.")
            ) from None
    # .xls and .ods are not opened: their sizes cannot be checked before the reader allocates.
    raise UnreadableFile(_("Only .xlsx and .csv files can be imported; save the file as .xlsx."))


def save_cells(cells: list[list[Any]], path: Path) -> None:
    """Keep what the reader read, one JSON row a line, so the file is parsed once: the check and the
    commit load this instead of opening the spreadsheet again. Dates and times keep their type."""
    # Sealed at rest as the upload is (the rows hold the same ID numbers).
    write_sealed(
        path,
        (json.dumps(row, ensure_ascii=False, default=_encode).encode() + b"\n" for row in cells),
    )


def load_cells(path: Path) -> list[list[Any]]:
    with io.TextIOWrapper(open_sealed(path), encoding="utf-8") as handle:
        return [json.loads(line, object_hook=_decode) for line in handle]


def _encode(value: Any) -> dict[str, Any]:
    if isinstance(value, datetime.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"date": value.isoformat()}
    if isinstance(value, datetime.time):
        return {"time": value.isoformat()}
    if isinstance(value, datetime.timedelta):
        return {"seconds": value.total_seconds()}
    return {"text": str(value)}


def _decode(value: dict[str, Any]) -> Any:
    if "datetime" in value:
        return datetime.datetime.fromisoformat(value["datetime"])
    if "date" in value:
        return datetime.date.fromisoformat(value["date"])
    if "time" in value:
        return datetime.time.fromisoformat(value["time"])
    if "seconds" in value:
        return datetime.timedelta(seconds=value["seconds"])
    return value.get("text", "")


def decode_csv(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def is_blank(cells: Iterable[Any]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def header_text(cell: Any) -> str:
    return normalize_text(str(cell or "")).replace(" ", "")


def find_table(cells: list[list[Any]], known_headers: set[str]) -> Table:
    """The header is the row (among the first ten) naming most known columns; rows above it are titles."""
    best_index, best_score = 0, -1
    for index, row in enumerate(cells[:HEADER_SEARCH_ROWS]):
        texts = [header_text(cell) for cell in row]
        score = sum(1 for text in texts if text in known_headers) * 100 + sum(1 for text in texts if text)
        if score > best_score and not is_blank(row):
            best_index, best_score = index, score
    header_cells = cells[best_index] if cells else []
    headers, labels = [], []
    for position, cell in enumerate(header_cells):
        text, label = header_text(cell), typed(cell)
        if not text and best_index > 0 and position < len(cells[best_index - 1]):
            # A merged group heading above ("出生" over 日期/地点) stands in for an empty cell.
            text = header_text(cells[best_index - 1][position])
            label = typed(cells[best_index - 1][position])
        headers.append(text or f"#{position + 1}")
        labels.append(label or headers[-1])
    rows = [
        (number, row)
        for number, row in enumerate(cells[best_index + 1 :], start=best_index + 2)
        if not is_blank(row)
    ]
    return Table(headers=headers, header_row=best_index + 1, rows=rows, labels=labels)


def typed(cell: Any) -> str:
    """A cell as the person typed it, as near as a spreadsheet lets us know: text unchanged, a whole
    number without ".0", a date without a time of midnight."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float) and cell.is_integer() and abs(cell) < 1e15:
        return str(int(cell))
    if isinstance(cell, datetime.datetime) and cell.time() == datetime.time():
        return cell.date().isoformat()
    if isinstance(cell, datetime.date | datetime.time):
        return cell.isoformat()
    return str(cell).strip()
