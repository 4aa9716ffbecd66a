from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jisheng.accounts.models import User
from jisheng.areas.models import Area
from jisheng.core.actor import COMMAND_LINE, Actor
from jisheng.registry.imports.engine import KIND_NAMES, run_import
from jisheng.registry.imports.reader import UnreadableFile
from jisheng.registry.imports.refused import write_refused_rows


class Command(BaseCommand):
    help = "Import persons, households, marriages, births or contraception from .xlsx or .csv / 导入人口信息"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=KIND_NAMES)
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="check every row, write nothing / 只检查不写入"
        )
        parser.add_argument(
            "--all-or-nothing",
            action="store_true",
            help="write nothing if any row is refused / 有错则全部不写入",
        )
        parser.add_argument("--village", help="12-digit village code for rows without one / 默认村代码")
        parser.add_argument("--user", help="username the import is recorded as (default: the system)")
        parser.add_argument(
            "--refused",
            type=Path,
            help="write the refused rows with their reasons to this .xlsx / 被拒绝的行及原因另存为 .xlsx",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"文件不存在 / file not found: {path}")
        by: Actor = COMMAND_LINE
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"没有此用户 / no such user: {options['user']}")
            by = user
        village = None
        if options["village"]:
            village = Area.objects.filter(code=options["village"]).first()
            if village is None:
                raise CommandError(f"没有此村 / no such village: {options['village']}")
        try:
            result = run_import(
                path=path,
                kind=options["kind"],
                by=by,
                default_village=village,
                dry_run=options["dry_run"],
                all_or_nothing=options["all_or_nothing"],
            )
        except UnreadableFile as unreadable:
            raise CommandError(str(unreadable)) from None
        for error in result.errors:
            self.stdout.write(str(error))
        for warning in result.warnings:
            self.stdout.write(str(warning))
        if options["refused"]:
            written = write_refused_rows(result, options["refused"])
            if written:
                self.stdout.write(f"{options['refused']}: {written}")
        self.stdout.write(result.summary())
