from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from jisheng.audit.services import record, verify_chain
from jisheng.core.actor import System


class Command(BaseCommand):
    help = "Verify the hash chain of the audit trail; exit non-zero naming the first broken event."

    def handle(self, *args: object, **options: object) -> None:
        report = verify_chain()
        if report.broken_event_id is not None:
            # A broken chain is a security event of its own. Appending still works on a broken chain
            # (the new event links to the head, whatever happened before it), so the finding is kept.
            with transaction.atomic():
                record(
                    by=System(job="audit verification"),
                    action="audit.verify_failed",
                    object_type="audit.auditevent",
                    object_id=str(report.broken_event_id),
                    object_repr=f"#{report.broken_event_id}",
                    after={"checked": report.checked, "problem": report.problem},
                    area_code="",
                )
            raise CommandError(
                f"审计链在事件 #{report.broken_event_id} 处断裂 (audit chain broken at event "
                f"#{report.broken_event_id}): {report.problem}; {report.checked} events before it are intact."
            )
        self.stdout.write(f"审计链完整 (audit chain intact): {report.checked} events checked.")
