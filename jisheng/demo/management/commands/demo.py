import time

from django.core.management.base import BaseCommand, CommandParser

from jisheng.demo.steps import demo_steps


class Command(BaseCommand):
    help = "Fill the demo county (平舆县) with areas, staff accounts and synthetic residents. Idempotent per seed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--persons", type=int, default=3000, help="number of synthetic residents")
        parser.add_argument(
            "--seed", type=int, default=1, help="random seed; the same seed gives the same county"
        )

    def handle(self, *args: object, **options: int) -> None:
        for step in demo_steps():
            started = time.monotonic()
            step.populate(persons=options["persons"], seed=options["seed"], out=self.stdout)
            self.stdout.write(f"  ({step.__name__}, {time.monotonic() - started:.1f}s)")
