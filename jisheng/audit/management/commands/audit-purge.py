from django.core.management.base import BaseCommand

from jisheng.audit.retention import purge
from jisheng.core.actor import System


class Command(BaseCommand):
    help = (
        "Delete audit events older than JISHENG_AUDIT_RETENTION_DAYS (at least 180), keeping the rest "
        "verifiable from a checkpoint; the purge is itself audited. Run daily by the scheduler."
    )

    def handle(self, *args: object, **options: object) -> None:
        result = purge(by=System(job="audit purge"))
        self.stdout.write(
            f"审计记录清理完成 (audit purge done): {result.purged} events before "
            f"{result.cutoff:%Y-%m-%d %H:%M} removed."
        )
