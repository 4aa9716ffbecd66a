"""jisheng hall-catalogue: load the service item catalogue and the policy Q&A from jisheng/policy/hall/."""

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jisheng.core.actor import COMMAND_LINE
from jisheng.hall.services import catalogue_load


class Command(BaseCommand):
    help = (
        "Load the service hall catalogue (items.toml), offices (offices.toml) and policy questions (qa.toml)"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", help="another directory holding items.toml, offices.toml and qa.toml")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = catalogue_load(
                by=COMMAND_LINE, directory=Path(options["dir"]) if options.get("dir") else None
            )
        except ValidationError as exc:
            # A policy file with mistakes: every one named with its file and line, nothing loaded.
            raise CommandError("\n".join(exc.messages)) from exc
        self.stdout.write(
            f"事项更新 / items changed: {result['items']}  政策问答 / questions: {result['questions']}"
        )
