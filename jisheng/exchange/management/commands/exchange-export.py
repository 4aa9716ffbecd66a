"""jisheng exchange-export PEER FILE: write the messages waiting for a peer into one signed batch file."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jisheng.core.actor import COMMAND_LINE
from jisheng.exchange import services
from jisheng.exchange.models import Peer


class Command(BaseCommand):
    help = (
        "Export the messages waiting for a peer into a signed batch file (for a peer without a network link)"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("peer", help="the peer's code")
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        peer = Peer.objects.filter(code=options["peer"]).first()
        if peer is None:
            raise CommandError(f"没有代码为 {options['peer']} 的对方系统 / no such peer")
        data, count = services.batch_export(by=COMMAND_LINE, peer=peer)
        Path(options["file"]).write_bytes(data)
        self.stdout.write(f"已导出 {count} 条消息 / exported {count} messages: {options['file']}")
