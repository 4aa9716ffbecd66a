"""jisheng deadline-sweep: warn on cases with one working day left, record accountability for overdue ones."""

from typing import Any

from django.core.management.base import BaseCommand

from jisheng.core.actor import System
from jisheng.hall.services import deadline_sweep


class Command(BaseCommand):
    help = "Run the hall's deadline warnings and accountability records"

    def handle(self, *args: Any, **options: Any) -> None:
        result = deadline_sweep(by=System(job="deadline sweep"))
        self.stdout.write(f"预警 / warned: {result['warned']}  超期追责 / overdue: {result['overdue']}")
