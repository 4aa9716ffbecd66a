import json
from typing import cast

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from jisheng.core.bench import BenchContext, run


class Command(BaseCommand):
    help = "Run the benchmarks and print one JSON object per measure (see docs/benchmarks.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--persons", type=int, default=1_000_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--counties",
            type=int,
            default=1,
            help="above 1: a province of that many counties holding --persons in all (docs/benchmarks.md)",
        )
        parser.add_argument(
            "--only", action="append", default=[], help="run only measures starting with NAME"
        )

    def handle(self, *args: object, **options: object) -> None:
        persons = options["persons"]
        seed = options["seed"]
        counties = options["counties"]
        assert isinstance(persons, int) and isinstance(seed, int) and isinstance(counties, int)
        ctx = BenchContext(
            persons=persons,
            seed=seed,
            counties=counties,
            only=set(cast(list[str], options["only"])),
            log=lambda text: self.stderr.write(text),
        )
        for row in run(ctx):
            row = {**row, "persons": persons, "database": connection.vendor}
            if counties > 1:
                row["counties"] = counties
            self.stdout.write(json.dumps(row, ensure_ascii=False))
            self.stdout.flush()
