"""`jisheng benefits check FILE…` and `jisheng benefits run PROGRAMME --year Y --area CODE [--json]`.

Neither changes anything: ``check`` validates rule files and names the line of each mistake; ``run``
prints the proposals of the same engine the pages use (ID number, name, amount, rule version, reasons).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jisheng.benefits import engine, whatif
from jisheng.benefits.rules import RuleError, get_programme, load_file, programmes


class Command(BaseCommand):
    help = "Benefit programmes: check rule files, run a programme (nothing is changed)."
    requires_system_checks: list[str] = []  # reads rule files and the registry only

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="validate rule files / 校验规则文件")
        check.add_argument("files", nargs="*", help="default: every shipped programme")
        run = sub.add_parser("run", help="propose beneficiaries / 测算受益人")
        run.add_argument("programme")
        run.add_argument("--year", type=int, required=True)
        run.add_argument("--area", required=True, help="area code, e.g. 411723101")
        run.add_argument("--version", help="rule version (default: the one in force that year)")
        run.add_argument("--json", action="store_true")
        run.add_argument("--near", action="store_true", help="also list near misses / 同时列出临界人员")
        what = sub.add_parser("whatif", help="compare a draft amount with the current rule / 政策测算")
        what.add_argument("programme")
        what.add_argument("--year", type=int, required=True)
        what.add_argument("--area", required=True)
        what.add_argument("--yuan", help="draft amount, e.g. 5000 / 草案金额")
        what.add_argument("--draft", help="a draft rule file to compare instead / 草案规则文件")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "check":
            self.check_files(options["files"])
        elif action == "run":
            self.run(options)
        else:
            self.whatif(options)

    def check_files(self, files: list[str]) -> None:
        if not files:
            try:
                loaded = programmes(reload=True)
            except RuleError as exc:
                raise CommandError(str(exc)) from exc
            for programme in loaded.values():
                self.stdout.write(f"OK {programme.path}: {programme.name}，{len(programme.versions)} 个版本")
            return
        failed = False
        for name in files:
            try:
                programme = load_file(Path(name))
            except RuleError as exc:
                failed = True
                self.stderr.write(str(exc))
            except OSError as exc:
                failed = True
                self.stderr.write(f"{name}: 无法读取文件 ({exc.strerror})")
            else:
                self.stdout.write(f"OK {name}: {programme.name}，{len(programme.versions)} 个版本")
        if failed:
            raise CommandError("规则文件有错误 / rule file refused")

    def run(self, options: dict[str, Any]) -> None:
        try:
            programme = get_programme(options["programme"])
        except KeyError as exc:
            raise CommandError(str(exc.args[0])) from exc
        version = programme.version_named(options["version"]) if options["version"] else None
        if options["version"] and version is None:
            raise CommandError(f"项目 {programme.name} 没有版本 {options['version']}")
        try:
            result = engine.run(programme, options["year"], options["area"], version=version)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(_as_json(result), ensure_ascii=False, indent=1))
            return
        self.stdout.write(
            f"{programme.name} {result.year} 年 版本 {result.version.version} 地区 {result.area_code}："
            f"{len(result.proposals)} 人，{result.households} 户，合计 {result.total:.2f} 元"
            f"（候选 {result.candidates} 人，临界 {len(result.near_misses)} 人）"
        )
        for d in result.proposals:
            self.stdout.write(
                f"{d.subject.id_number}\t{d.subject.name}\t{d.amount:.2f}\t{result.version.version}\t{d.explanation}"
            )
        if options["near"]:
            for d in result.near_misses:
                self.stdout.write(f"临界\t{d.subject.id_number}\t{d.subject.name}\t{'；'.join(d.near)}")

    def whatif(self, options: dict[str, Any]) -> None:
        programme = get_programme(options["programme"])
        draft = None
        if options["draft"]:
            try:
                draft = load_file(Path(options["draft"])).version_for(options["year"])
            except RuleError as exc:
                raise CommandError(str(exc)) from exc
            if draft is None:
                raise CommandError(f"草案在 {options['year']} 年没有有效版本")
        elif not options["yuan"]:
            raise CommandError("请给出 --yuan 或 --draft")
        yuan = Decimal(options["yuan"] or 0)
        comparison = whatif.compare(programme, options["year"], options["area"], yuan, draft=draft)
        self.stdout.write(json.dumps(comparison.as_dict(), ensure_ascii=False, indent=1))


def _as_json(result: engine.RunResult) -> dict[str, Any]:
    return {
        "programme": result.programme.id,
        "name": result.programme.name,
        "version": result.version.version,
        "year": result.year,
        "area": result.area_code,
        "persons": len(result.proposals),
        "households": result.households,
        "total": f"{result.total:.2f}",
        "proposals": [
            {
                "id_number": d.subject.id_number,
                "name": d.subject.name,
                "area": d.subject.area_code,
                "amount": f"{d.amount:.2f}",
                "version": result.version.version,
                "reasons": d.reasons,
            }
            for d in result.proposals
        ],
        "near_misses": [
            {"id_number": d.subject.id_number, "name": d.subject.name, "near": d.near}
            for d in result.near_misses
        ],
    }
