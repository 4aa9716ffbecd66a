"""`jisheng soak`: a mixed load against a running Jisheng for some minutes (see jisheng.core.soak)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jisheng.core import soak


class Command(BaseCommand):
    help = (
        "Run the mixed load of signed-in staff against a running server; report errors, latency and memory."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000")
        parser.add_argument("--pid", type=int, default=None, help="the server's process (jisheng serve)")
        parser.add_argument("--minutes", type=float, default=30)
        parser.add_argument("--clients", type=int, default=50)
        parser.add_argument("--username", default="village")
        parser.add_argument("--password", default="Jisheng#2026")

    def handle(self, *args: object, **options: Any) -> None:
        report = soak.run(
            url=options["url"],
            pid=options["pid"],
            minutes=options["minutes"],
            clients=options["clients"],
            username=options["username"],
            password=options["password"],
            log=self._log,
        )
        self.stdout.write(json.dumps(report, ensure_ascii=False))

    def _log(self, line: str) -> None:
        self.stderr.write(line)
        self.stderr.flush()
