"""jisheng exchange-send: send the queued messages to peers that are due; --now also sends those still
waiting out their back-off. --queue hands the sending to a worker as a durable job instead (what the
scheduler does every minute), so a worker killed mid-batch leaves nothing half-sent: see exchange/jobs.py."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jisheng.exchange.services import SENDER, outbox_send


class Command(BaseCommand):
    help = "Send queued messages to peer deployments that are due, with retries and back-off"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--peer", help="only this peer's code")
        parser.add_argument("--now", action="store_true", help="do not wait out the back-off")
        parser.add_argument("--queue", action="store_true", help="queue the sending as a worker's job")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["queue"]:
            from jisheng.exchange.jobs import outbox_send_queue

            job = outbox_send_queue(peer_code=options["peer"] or "", ignore_backoff=options["now"])
            self.stdout.write(f"交换 / exchange: 已排队发送任务 {job}")
            return
        result = outbox_send(by=SENDER, peer_code=options["peer"], ignore_backoff=options["now"])
        self.stdout.write(
            f"交换 / exchange: 已确认 {result.acknowledged}  被拒 {result.refused}  "
            f"待重试 {result.retry}  失败 {result.failed}"
            + (f"  未连通 {','.join(result.peers_down)}" if result.peers_down else "")
        )
