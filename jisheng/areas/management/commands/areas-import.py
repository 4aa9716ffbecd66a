from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jisheng.areas.services import areas_import_file
from jisheng.core.actor import COMMAND_LINE


class Command(BaseCommand):
    help = "Import areas from a CSV of code,name[,valid_from,valid_to] (UTF-8)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: object, **options: object) -> None:
        path = options["file"]
        assert isinstance(path, Path)
        if not path.exists():
            raise CommandError(f"文件不存在: {path}")
        result = areas_import_file(path=path, by=COMMAND_LINE)
        for error in result.errors:
            self.stderr.write(error)
        if result.errors:
            raise CommandError(f"导入失败，未写入任何区划 ({len(result.errors)} 处错误)。")
        self.stdout.write(f"新增 {result.created}，更名 {result.renamed}，未变 {result.unchanged}。")
