from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from jisheng.core.backup import backup


class Command(BaseCommand):
    help = "Back up the database, signing keys and uploads into one .tar.gz (default: DATA_DIR/backups)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output-dir", type=Path, default=None)

    def handle(self, *args: object, **options: object) -> None:
        output = options["output_dir"] or settings.DATA_DIR / "backups"
        assert isinstance(output, Path)
        self.stdout.write(str(backup(output_dir=output)))
