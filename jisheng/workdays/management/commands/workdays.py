"""jisheng workdays add DATE N | import FILE | seed — the same calendar the deadlines use."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jisheng.core.actor import COMMAND_LINE
from jisheng.workdays import services


class Command(BaseCommand):
    help = "Working-day calendar: add N working days to a date, import a year's holidays, seed from chinesecalendar"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="print the date N working days after DATE")
        add.add_argument("date")
        add.add_argument("n", type=int)
        imp = sub.add_parser(
            "import", help="load a year's holidays (休) and make-up working days (班) from a CSV"
        )
        imp.add_argument("file")
        sub.add_parser("seed", help="fill missing years from chinesecalendar")
        sub.add_parser("years", help="list the years the calendar covers")
        sub.add_parser(
            "check", help="say when the official calendar runs out and which year's notice to load"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "add":
            try:
                start = datetime.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"日期无法识别 / bad date: {options['date']}") from exc
            if options["n"] < 0:
                raise CommandError("N 不能为负数 / N must not be negative")
            try:
                self.stdout.write(services.add_working_days(start, options["n"]).isoformat())
            except services.CalendarMissing as exc:
                raise CommandError(str(exc)) from exc
        elif action == "import":
            path = Path(options["file"])
            try:
                year = services.calendar_import_csv(
                    text=path.read_text(encoding="utf-8-sig"), by=COMMAND_LINE, source_name=path.name
                )
            except ValidationError as exc:
                raise CommandError("\n".join(exc.messages)) from exc
            except OSError as exc:
                raise CommandError(f"无法读取文件 / cannot read {path}: {exc}") from exc
            self.stdout.write(f"已导入 {year} 年工作日历 / imported the {year} calendar")
        elif action == "seed":
            years = services.calendar_seed(by=COMMAND_LINE)
            self.stdout.write(f"新增年份 / years added: {years or '-'}")
        elif action == "check":
            from django.utils import timezone

            outlook = services.calendar_outlook(timezone.localdate())
            provisional = sorted(services.provisional_years())
            if outlook:
                self.stdout.write(
                    f"工作日历：正式日历至 {outlook['official_until']} 止（还有 {outlook['days_left']} 天），"
                    f"请导入国务院办公厅 {outlook['year']} 年部分节假日安排（jisheng workdays import FILE）"
                    f" / the official calendar ends on {outlook['official_until']}: load {outlook['year']}"
                )
            if provisional:
                self.stdout.write(
                    f"工作日历：{'、'.join(map(str, provisional))} 年按法定节假日暂定计算（无调休）"
                    f" / provisional years: {provisional}"
                )
        else:
            years = sorted(services.covered_years())
            self.stdout.write(f"{years[0]}–{years[-1]}" if years else "-")
