from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jisheng.core.backup import restore


class Command(BaseCommand):
    help = "Restore a backup made by `jisheng backup` (stop the server first), then verify the audit chain."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)

    def handle(self, *args: object, **options: object) -> None:
        archive = options["archive"]
        assert isinstance(archive, Path)
        if not archive.exists():
            raise CommandError(f"备份文件不存在: {archive}")
        try:
            restore(archive_path=archive)
        except ValueError as error:
            raise CommandError(str(error)) from error
        from django.core.management import call_command

        call_command("audit-verify", stdout=self.stdout)
        self.stdout.write(f"已从 {archive} 恢复 (restored).")
