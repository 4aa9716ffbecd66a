"""`jisheng scheduler`: the bundled scheduler for periodic work, for offices without cron or systemd timers.

Apps declare their periodic commands on their AppConfig as ``periodic_commands = [("deadline-sweep", 60)]``
(command and its arguments, interval in minutes). Every command runs once at start and then at its
interval, in-process, one after another; a failure is logged and the others go on. `jisheng serve`
starts this command next to the web server, so an office needs no second command.
"""

import logging
import time
from typing import Any

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

logger = logging.getLogger("jisheng.scheduler")


def schedule() -> list[tuple[str, int]]:
    jobs: list[tuple[str, int]] = []
    for config in apps.get_app_configs():
        jobs.extend(getattr(config, "periodic_commands", []))
    return jobs


class Command(BaseCommand):
    help = "Run the periodic commands of every app at their intervals (--once: run each once and exit)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true")

    def handle(self, *args: object, **options: Any) -> None:
        jobs = schedule()
        next_run = {name: 0.0 for name, _minutes in jobs}
        while True:
            now = time.monotonic()
            for name, minutes in jobs:
                if now >= next_run[name]:
                    self.stdout.write(f"scheduler: {name}")
                    try:
                        call_command(*name.split(), stdout=self.stdout, stderr=self.stderr)
                    except Exception:  # one failing job must not stop the others
                        logger.exception("periodic command %s failed", name)
                    next_run[name] = now + minutes * 60
                    # The scheduler's output is its log; under `serve` it goes to a pipe or a file.
                    self.stdout.flush()
            if options["once"]:
                return
            time.sleep(30)
