"""jisheng uploads-sweep — remove the import uploads (and what was kept beside them) of imports that
ended more than JISHENG_UPLOAD_RETENTION_DAYS ago, and files of those folders no import references;
each removal is audited by the app whose import it was. Run daily by the scheduler."""

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.module_loading import import_string

from jisheng.core.upload_retention import retention_days


def sweeps() -> list[str]:
    """The sweeps the apps declare (``upload_sweeps`` on their AppConfig), in app order."""
    found: list[str] = []
    for config in apps.get_app_configs():
        found.extend(getattr(config, "upload_sweeps", []))
    return found


class Command(BaseCommand):
    help = (
        "Remove import uploads kept past JISHENG_UPLOAD_RETENTION_DAYS (default 30) after the import "
        "ended, and stray files of the import folders; audited. Run daily by the scheduler."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, help="the retention in days (default: the setting)")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"] if options["days"] is not None else retention_days()
        if days < 1:
            raise CommandError("--days: 至少 1 天 (at least 1)")
        now = timezone.now()
        totals: dict[str, int] = {}
        for path in sweeps():
            for what, count in import_string(path)(days=days, now=now).items():
                totals[what] = totals.get(what, 0) + count
        summary = ", ".join(f"{what} {count}" for what, count in sorted(totals.items())) or "nothing"
        self.stdout.write(f"上传文件保留期清理完成 (uploads sweep, {days} days): {summary}")
