"""jisheng crypto-rotate — a new data key for the sealed columns, every sealed value re-sealed under it."""

from typing import Any

from django.core.management.base import BaseCommand

from jisheng.audit.keys import field_key_rotate
from jisheng.core.actor import COMMAND_LINE


class Command(BaseCommand):
    help = "Rotate the SM4 data key of the sealed columns and re-seal every sealed value (service stopped)"

    def handle(self, *args: Any, **options: Any) -> None:
        version = field_key_rotate(by=COMMAND_LINE)
        self.stdout.write(f"数据密钥已轮换 / data key rotated: field-sm4-{version}")
