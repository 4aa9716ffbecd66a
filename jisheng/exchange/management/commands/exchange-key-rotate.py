"""jisheng exchange-key-rotate: replace this deployment's exchange key pair and announce the new public
key to every enabled peer (signed by the old key); audited. Run by the security administrator."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from jisheng.core.actor import System
from jisheng.exchange import services


class Command(BaseCommand):
    help = "Rotate the exchange key pair and announce the new public key to the peers"

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rotation = services.key_rotate(by=System(job="exchange key rotation"))
        except ValidationError as refusal:
            raise CommandError("；".join(refusal.messages)) from refusal
        self.stdout.write(f"新公钥 / new public key: {rotation.public_key}")
        self.stdout.write(f"旧公钥 / previous key: {rotation.previous_key}")
        self.stdout.write("已通告 / announced to: " + ("、".join(rotation.peers) or "—"))
