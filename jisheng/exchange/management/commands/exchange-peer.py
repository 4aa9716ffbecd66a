"""jisheng exchange-peer add|list|disable: the deployments this one trusts."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jisheng.core.actor import COMMAND_LINE
from jisheng.exchange import services
from jisheng.exchange.models import Peer


class Command(BaseCommand):
    help = "Add (or update), list or disable peer deployments"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="trust a peer (the line `exchange-identity` prints on its side)")
        add.add_argument("--code", required=True)
        add.add_argument("--name", required=True)
        add.add_argument(
            "--area-prefixes", required=True, help="area code prefixes it speaks for, comma-separated"
        )
        add.add_argument("--base-url", default="", help="its address (empty: batch files only)")
        add.add_argument("--public-key", required=True)
        sub.add_parser("list")
        disable = sub.add_parser("disable")
        disable.add_argument("code")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "add":
                peer = services.peer_add(
                    by=COMMAND_LINE,
                    code=options["code"],
                    name=options["name"],
                    area_prefixes=options["area_prefixes"],
                    base_url=options["base_url"],
                    public_key=options["public_key"],
                )
                self.stdout.write(f"已添加 / added: {peer}")
            elif action == "disable":
                found = Peer.objects.filter(code=options["code"]).first()
                if found is None:
                    raise CommandError(f"没有代码为 {options['code']} 的对方系统 / no such peer")
                services.peer_disable(by=COMMAND_LINE, peer=found)
                self.stdout.write(f"已停用 / disabled: {found}")
            else:
                for peer in Peer.objects.all():
                    state = "启用" if peer.enabled else "停用"
                    self.stdout.write(
                        f"{peer.code}\t{peer.name}\t{peer.area_prefixes}\t{peer.base_url or '-'}\t{state}"
                    )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
