"""`jisheng migrants-sweep`: received verification requests past their due date are escalated, each with
an accountability record against the person answering for it (run hourly by the scheduler)."""

from typing import Any

from django.core.management.base import BaseCommand

from jisheng.core.actor import System
from jisheng.migrants.services import verification_sweep


class Command(BaseCommand):
    help = "Escalate overdue verification requests and record accountability (协查超期督办)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = verification_sweep(by=System(job="deadline sweep"))
        self.stdout.write(f"migrants-sweep: {result['overdue']} overdue request(s) escalated")
