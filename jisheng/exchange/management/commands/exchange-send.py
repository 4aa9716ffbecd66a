"""jisheng exchange-send: send the queued messages to peers that are due (the scheduler runs it every
minute); --now also sends those still waiting out their back-off."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jisheng.exchange.services import SENDER, outbox_send


class Command(BaseCommand):
    help = "Send queued messages to peer deployments that are due, with retries and back-off"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--peer", help="only this peer's code")
        parser.add_argument("--now", action="store_true", help="do not wait out the back-off")

    def handle(self, *args: Any, **options: Any) -> None:
        result = outbox_send(by=SENDER, peer_code=options["peer"], ignore_backoff=options["now"])
        self.stdout.write(
            f"交换 / exchange: 已确认 {result.acknowledged}  被拒 {result.refused}  "
            f"待重试 {result.retry}  失败 {result.failed}"
            + (f"  未连通 {','.join(result.peers_down)}" if result.peers_down else "")
        )
