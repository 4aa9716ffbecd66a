"""The refused rows of an import as an .xlsx to correct and import again.

The workbook has the file's own header row (as typed) and, for each refused row, its cells as they
were read, so that after correcting it the person imports it as it is; a last column lists every
reason of the row. Text is written as text cells, never as formulas: a cell typed as ``=HYPERLINK(…)``
in a roster stays the text it was (see ``jisheng.core.spreadsheets``).
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from jisheng.core.spreadsheets import xlsx_text_cell

from .resolve import ImportResult


def reasons_by_row(result: ImportResult) -> dict[int, list[str]]:
    reasons: dict[int, list[str]] = {}
    for error in result.errors:
        value = error.value or _("(empty)")
        reasons.setdefault(error.row, []).append(
            _("%(column)s “%(value)s”: %(reason)s")
            % {"column": error.column, "value": value, "reason": error.reason}
        )
    return reasons


def write_refused_rows(result: ImportResult, path: Path) -> int:
    """Write the workbook to path; return the number of rows written (0: no file is written)."""
    if not result.refused_cells:
        path.unlink(missing_ok=True)
        return 0
    reasons = reasons_by_row(result)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Refused rows"))
    width = len(result.labels)
    sheet.append(
        [xlsx_text_cell(sheet, label) for label in result.labels]
        + [xlsx_text_cell(sheet, pgettext("refused row", "Reasons"))]
    )
    for number, cells in result.refused_cells:
        row = [_cell(sheet, cell) for cell in list(cells[:width]) + [None] * (width - len(cells))]
        why = _("row %(row)s of the file: %(reasons)s") % {
            "row": number,
            "reasons": "；".join(reasons.get(number, [])),
        }
        sheet.append([*row, xlsx_text_cell(sheet, why)])
    temporary = path.with_name(path.name + ".part")
    book.save(temporary)
    temporary.replace(path)  # a half-written file is never offered for download
    return len(result.refused_cells)


def _cell(sheet: Any, value: Any) -> Any:
    if isinstance(value, str):
        # Text stays text when edited (18-digit IDs keep their digits) and never becomes a formula.
        return xlsx_text_cell(sheet, value, keep_digits=True)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, datetime.datetime | datetime.date):
        cell.number_format = "yyyy-mm-dd"
    return cell
