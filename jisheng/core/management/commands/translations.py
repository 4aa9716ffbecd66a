from django.core.management.base import BaseCommand, CommandParser

from jisheng.core.translations import compile_catalogues


class Command(BaseCommand):
    help = "Compile the translation catalogues (.po to .mo) without needing gettext."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true")

    def handle(self, *args: object, **options: object) -> None:
        written = compile_catalogues(force=bool(options["force"]))
        self.stdout.write(f"translations: {written} catalogue(s) compiled")
