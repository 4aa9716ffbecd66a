"""Cells that stay data: what every .xlsx and CSV export writes for text a person typed.

A name typed as ``=HYPERLINK("http://…","点击")`` is data in Jisheng but a live formula in the
spreadsheet program of whoever opens the export (CSV injection). Every export writes its text cells
through these functions, so a value beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return reaches the reader as the text that was typed.
"""

from __future__ import annotations

from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def csv_text(value: Any) -> str:
    """A CSV field: formula-like text gets a leading apostrophe, which spreadsheet programs show as
    text and do not evaluate (the usual neutralisation; CSV has no cell types to say "text")."""
    text = "" if value is None else str(value)
    return "'" + text if is_formula_like(text) else text


def xlsx_text_cell(sheet: Any, value: Any, *, keep_digits: bool = False) -> WriteOnlyCell:
    """A write-only cell holding value as a string cell (never a formula). keep_digits also sets the
    text number format, so Excel keeps all 18 digits of an ID or a bank account when it is edited."""
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    if keep_digits:
        cell.number_format = "@"
    return cell


def neutralise_row(sheet: Worksheet, row_number: int) -> None:
    """For a normal (not write-only) sheet: turn any formula-like cell of a row already appended
    back into a string cell."""
    for cell in sheet[row_number]:
        if isinstance(cell, Cell) and cell.data_type == "f":
            cell.data_type = "s"
