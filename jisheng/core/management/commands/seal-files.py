"""jisheng seal-files — seal with SM4-GCM the personal files written in the clear before files were
sealed at rest (hall uploads and photos, outreach photos, import spreadsheets and what was read of
them). Idempotent: a file sealed already is left as it is; run it once after upgrading."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from jisheng.core.sealed_files import seal_stored_files


class Command(BaseCommand):
    help = "Seal (SM4-GCM) the personal files still stored in the clear under the uploads folder"

    def handle(self, *args: Any, **options: Any) -> None:
        done, already = seal_stored_files(Path(settings.MEDIA_ROOT))
        self.stdout.write(
            f"已加密 {done} 个文件，{already} 个此前已加密 / sealed {done} files, {already} already sealed"
        )
