from django.core.management.base import BaseCommand, CommandError

from jisheng.audit.services import verify_chain


class Command(BaseCommand):
    help = "Verify the hash chain of the audit trail; exit non-zero naming the first broken event."

    def handle(self, *args: object, **options: object) -> None:
        report = verify_chain()
        if report.broken_event_id is not None:
            raise CommandError(
                f"审计链在事件 #{report.broken_event_id} 处断裂 (audit chain broken at event "
                f"#{report.broken_event_id}): {report.problem}; {report.checked} events before it are intact."
            )
        self.stdout.write(f"审计链完整 (audit chain intact): {report.checked} events checked.")
