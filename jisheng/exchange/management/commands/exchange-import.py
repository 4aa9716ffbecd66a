"""jisheng exchange-import FILE: apply a peer's signed batch file, with the same checks as the inbox."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jisheng.core.actor import COMMAND_LINE
from jisheng.exchange import services


class Command(BaseCommand):
    help = "Import a peer's signed batch file of messages"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if path.stat().st_size > services.MAX_FILE_BYTES:
            raise CommandError("文件过大 / the file is too large")
        try:
            result = services.batch_import(by=COMMAND_LINE, data=path.read_bytes())
        except services.FileRefused as exc:
            raise CommandError(exc.reason) from exc
        self.stdout.write(
            f"来自 {result.sender}: {result.messages} 条, 已处理 {result.applied}, 重复 {result.duplicates}, "
            f"被对方处理程序拒绝 {result.refused_by_handler}"
        )
        if result.refusal:
            raise CommandError(f"第一条被拒的消息 {result.refusal['message_id']}: {result.refusal['detail']}")
