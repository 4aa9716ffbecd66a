"""Writing a search result to .xlsx (openpyxl write-only: constant memory, ID numbers as text cells)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from jisheng.core.spreadsheets import xlsx_text_cell

from .codes import MaritalStatus, PersonStatus, Sex

MAX_EXPORT_ROWS = 200_000
# What an export discloses, as its audit event names it.
EXPORT_PERSONAL_FIELDS = ("name", "id_number", "sex", "birth_date", "marital_status", "phone", "address")
COLUMNS = (
    "name",
    "id_number",
    "sex",
    "birth_date",
    "marital_status",
    "phone",
    "household__number",
    "residence_area_id",
    "address",
    "status",
)


def export_headers() -> list[str]:
    return [
        pgettext("person", "name"),
        _("resident ID number"),
        _("sex"),
        _("date of birth"),
        _("marital status"),
        _("phone"),
        _("household number"),
        _("village code"),
        _("address"),
        _("status"),
    ]


def write_persons_xlsx(rows: Iterable[tuple[Any, ...]], out: IO[bytes]) -> int:
    """rows are value tuples in COLUMNS order. Text columns are written as text, so Excel keeps all
    18 digits of an ID number instead of turning it into 4.11723E+17."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("persons"))
    sheet.append(export_headers())
    sexes = dict(Sex.choices)
    marital = dict(MaritalStatus.choices)
    statuses = dict(PersonStatus.choices)
    count = 0
    for name, id_number, sex, birth, marital_status, phone, household, village, address, status in rows:
        sheet.append(
            [
                xlsx_text_cell(sheet, name),
                xlsx_text_cell(sheet, id_number, keep_digits=True),
                str(sexes.get(sex, sex)),
                birth,
                str(marital.get(marital_status, marital_status)),
                xlsx_text_cell(sheet, phone, keep_digits=True),
                xlsx_text_cell(sheet, household or ""),
                village,
                xlsx_text_cell(sheet, address),
                str(statuses.get(status, status)),
            ]
        )
        count += 1
    workbook.save(out)
    return count
