"""jisheng crypto-rotate — a new data key for the sealed columns, every sealed value re-sealed under it;
with ``--index``, a new HMAC-SM3 key for the blind indexes, every blind index column recomputed."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jisheng.audit.keys import field_key_rotate, index_key_rotate
from jisheng.core.actor import COMMAND_LINE


class Command(BaseCommand):
    help = (
        "Rotate the SM4 data key of the sealed columns and re-seal every sealed value, or with --index "
        "the HMAC-SM3 key of the blind indexes and recompute them (service stopped)"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--index", action="store_true", help="rotate the blind index key instead of the data key"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["index"]:
            version = index_key_rotate(by=COMMAND_LINE)
            self.stdout.write(f"检索索引密钥已轮换 / index key rotated: index-hmac-sm3-{version}")
            return
        version = field_key_rotate(by=COMMAND_LINE)
        self.stdout.write(f"数据密钥已轮换 / data key rotated: field-sm4-{version}")
