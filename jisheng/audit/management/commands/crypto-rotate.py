"""jisheng crypto-rotate — a new data key for the sealed columns, every sealed value re-sealed under it,
then the file key of every sealed file re-wrapped under it (``--files``: only that step, to resume it
after an interruption); with ``--index``, a new HMAC-SM3 key for the blind indexes, every blind index
column recomputed."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jisheng.audit.keys import field_key_rotate, file_keys_rewrap, index_key_rotate
from jisheng.core.actor import COMMAND_LINE


class Command(BaseCommand):
    help = (
        "Rotate the SM4 data key of the sealed columns and re-seal every sealed value, or with --index "
        "the HMAC-SM3 key of the blind indexes and recompute them; --files re-wraps the sealed files' keys "
        "under the current data key only (service stopped)"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--index", action="store_true", help="rotate the blind index key instead of the data key"
        )
        parser.add_argument(
            "--files",
            action="store_true",
            help="only re-wrap the sealed files' keys under the current data key (resumes a rotation)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["index"]:
            version = index_key_rotate(by=COMMAND_LINE)
            self.stdout.write(f"检索索引密钥已轮换 / index key rotated: index-hmac-sm3-{version}")
            return
        if not options["files"]:
            version = field_key_rotate(by=COMMAND_LINE)
            self.stdout.write(f"数据密钥已轮换 / data key rotated: field-sm4-{version}")
        counts = file_keys_rewrap(by=COMMAND_LINE)
        self.stdout.write(
            f"文件密钥已重新封装 / file keys re-wrapped under field-sm4-{counts['version']}: "
            f"{counts['rewrapped']} now, {counts['current']} already"
        )
        if counts["damaged"]:
            self.stderr.write(
                "无法重新封装（文件已损坏）/ could not be re-wrapped (damaged): "
                + ", ".join(counts["damaged"])
            )
