"""Compiling the zh_Hans catalogues (.po → .mo) in Python, so no gettext tools are needed to run Jisheng."""

from pathlib import Path

import polib

PACKAGE_DIR = Path(__file__).resolve().parents[1]


def catalogue_paths() -> list[Path]:
    return sorted(PACKAGE_DIR.glob("**/locale/*/LC_MESSAGES/django.po"))


def compile_catalogues(*, force: bool = False) -> int:
    """Write each .mo next to its .po when missing or older; return how many were written."""
    written = 0
    for po_path in catalogue_paths():
        mo_path = po_path.with_suffix(".mo")
        if force or not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
            written += 1
    return written
