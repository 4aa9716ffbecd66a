"""Bank files and report workbooks. Amounts are written from Decimal with two decimals (never via
float); account and ID numbers are text cells so a spreadsheet cannot round or shorten them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

from jisheng.core.spreadsheets import csv_text, neutralise_row

from .models import Batch, Payment

BANK_HEADER = [
    "序号",
    "付款编号",
    "姓名",
    "身份证号",
    "收款账号",
    "账户户名",
    "开户银行",
    "账户类型",
    "金额（元）",
    "项目",
    "期间",
    "次数",
]


def _bank_rows(batch: Batch, payments: Iterable[Payment]) -> list[list[str]]:
    return [
        [
            str(n),
            p.reference,
            p.line.name,
            p.line.id_number,
            p.bank_account,
            p.account_holder,
            p.bank_name,
            p.get_account_kind_display() if p.account_kind else "",
            f"{p.amount:.2f}",
            batch.programme_name,
            p.period,
            str(p.attempt),
        ]
        for n, p in enumerate(payments, start=1)
    ]


def bank_file_csv(batch: Batch, payments: Iterable[Payment]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)  # every field quoted: numbers stay text
    writer.writerow(BANK_HEADER)
    # A name typed as =HYPERLINK(…) stays text in the bank's or the clerk's spreadsheet program.
    writer.writerows([csv_text(value) for value in row] for row in _bank_rows(batch, payments))
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 Chinese correctly


def _workbook(
    title: str, header: list[str], rows: Iterable[list[Any]], text_columns: set[int], money_columns: set[int]
) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(header)
    for row in rows:
        sheet.append(row)
        neutralise_row(sheet, sheet.max_row)
        for column in text_columns | money_columns:
            cell = sheet.cell(row=sheet.max_row, column=column + 1)
            cell.number_format = "@" if column in text_columns else "0.00"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def bank_file_xlsx(batch: Batch, payments: Iterable[Payment]) -> bytes:
    rows: list[list[Any]] = []
    for row in _bank_rows(batch, payments):
        rows.append([*row[:8], Decimal(row[8]), row[9], row[10], int(row[11])])
        rows[-1][0] = int(row[0])
    return _workbook("银行代发", BANK_HEADER, rows, text_columns={1, 3, 4, 10}, money_columns={8})


def report_xlsx(rows: Iterable[Any]) -> bytes:
    header = ["项目", "年度", "地区代码", "地区", "户数", "人数", "金额（元）", "已发放（元）"]
    data = [
        [r.programme_name, r.year, r.area_code, r.area_name, r.households, r.persons, r.total, r.paid]
        for r in rows
    ]
    return _workbook("奖励扶助统计", header, data, text_columns={2}, money_columns={6, 7})
