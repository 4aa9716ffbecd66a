"""jisheng certificate-keys list | rotate — the Ed25519 keys certificates are signed with."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jisheng.certificates import keys, services
from jisheng.core.actor import COMMAND_LINE


class Command(BaseCommand):
    help = "List the certificate signing keys or rotate to a new one (old public keys stay published)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["list", "rotate"])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rotate":
            kid = services.signing_key_rotate(by=COMMAND_LINE)
            self.stdout.write(f"新签名密钥 / new signing key: {kid}")
        current, _private = keys.current_key()
        for kid, public in keys.public_keys().items():
            marker = "*" if kid == current else " "
            self.stdout.write(f"{marker} {kid} {public}")
