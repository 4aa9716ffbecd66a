"""jisheng exchange-identity: print this deployment as a peer entry (its key pair is made on first use),
to give to the other deployment's `jisheng exchange-peer add`."""

import json
import shlex
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jisheng.exchange import identity


class Command(BaseCommand):
    help = "Print this deployment's code, name, area prefix, address and public key as a peer entry"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="one JSON object instead of the command line")

    def handle(self, *args: Any, **options: Any) -> None:
        entry = identity.current().as_peer_entry()
        if options["json"]:
            self.stdout.write(json.dumps(entry, ensure_ascii=False))
            return
        self.stdout.write("# 在对方系统上运行 / run on the peer deployment:")
        self.stdout.write(
            "jisheng exchange-peer add "
            + " ".join(f"--{key.replace('_', '-')}={shlex.quote(value)}" for key, value in entry.items())
        )
