"""jisheng petitions-sweep: warn before the 信访 limits, record accountability past them, escalate overdue ledger items."""

from typing import Any

from django.core.management.base import BaseCommand

from jisheng.core.actor import System
from jisheng.petitions import services


class Command(BaseCommand):
    help = "Run the petition clocks (warnings, accountability) and escalate overdue rectification items"

    def handle(self, *args: Any, **options: Any) -> None:
        result = services.clock_sweep(by=System(job="petition clock sweep"))
        escalated = services.ledger_escalate(by=System(job="ledger escalation"))
        self.stdout.write(
            f"预警 / warned: {result['warned']}  超期 / overdue: {result['overdue']}  "
            f"追责 / accountability: {result['accountability']}  整改逾期 / ledger escalated: {escalated}"
        )
