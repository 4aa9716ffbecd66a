"""jisheng seal-files — seal with SM4-GCM the personal files written in the clear before files were
sealed at rest (hall uploads and photos, outreach photos, import spreadsheets and what was read of
them), and record it in the audit trail with the counts. Idempotent: a file sealed already is left as
it is. The scheduler runs it at start and daily (``--scheduled``: no event when nothing was in the
clear), so an office that upgrades keeps no clear file even if nobody runs it by hand."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jisheng.audit.keys import files_seal
from jisheng.core.actor import COMMAND_LINE, System


class Command(BaseCommand):
    help = "Seal (SM4-GCM) the personal files still stored in the clear under the uploads folder; audited"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scheduled", action="store_true", help="the scheduler's run: audited only when it sealed files"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scheduled = bool(options["scheduled"])
        by = System(job="seal files") if scheduled else COMMAND_LINE
        done, already = files_seal(by=by, record_nothing=not scheduled)
        self.stdout.write(
            f"已加密 {done} 个文件，{already} 个此前已加密 / sealed {done} files, {already} already sealed"
        )
