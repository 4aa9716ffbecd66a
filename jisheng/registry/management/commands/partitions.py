from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from jisheng.core import partitions as tables
from jisheng.registry.partitions import county_partitions_add, partitions_for_every_county


class Command(BaseCommand):
    help = "Partitions of the person-level tables by county (PostgreSQL) / 按县分区"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="give a county its partitions / 为一个县建分区")
        add.add_argument("county", help="six-digit county code, e.g. 411723 / 六位县代码")
        sub.add_parser("sync", help="partitions for every county area of the deployment / 为所有县建分区")
        sub.add_parser("list", help="the counties that have partitions / 列出已分区的县")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            self.stdout.write("SQLite keeps plain tables: nothing to partition / SQLite 不分区")
            return
        action = options["action"]
        if action == "add":
            county = str(options["county"]).strip()
            if not tables.COUNTY_CODE.match(county):
                raise CommandError(f"县代码应为六位数字：{county}")
            created = county_partitions_add(county)
        elif action == "sync":
            created = partitions_for_every_county()
        else:
            for table in tables.PARTITIONED_TABLES:
                counties = tables.counties_with_partitions(connection, table)
                self.stdout.write(f"{table}: {' '.join(counties) or '-'}")
            return
        for name in created:
            self.stdout.write(f"created {name}")
        if not created:
            self.stdout.write("nothing to do: the partitions exist / 分区已存在")
