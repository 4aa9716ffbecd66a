"""jisheng hall-tally-tidy: fold the case tallies' slots back into one row a key (PostgreSQL; see
jisheng.hall.tallies). Run hourly by the bundled scheduler; any time by hand, while the office works."""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from jisheng.hall import tallies


class Command(BaseCommand):
    help = "Fold the case tallies' slots into one row a key (PostgreSQL; nothing to do on SQLite)"

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            left = tallies.tidy(connection)
        if left is None:
            self.stdout.write("无需整理 / nothing to tidy here (SQLite, or another tidy is running)")
        else:
            self.stdout.write(f"计数行 / tally rows: {left}")
