"""Running one import file: read, map, check every row, resolve references and write, in batches.

The same engine serves ``jisheng import`` and the web import. Rows are checked in a background thread
(``pipeline``) while earlier batches are resolved and written. A dry run writes nothing. With
all-or-nothing the file is one transaction, and one refused row means nothing is written (the
transaction is rolled back); otherwise the accepted rows are written, up to WRITE_ROWS rows
per transaction.
Re-importing a file changes nothing: every kind has a natural key (ID number, household number,
husband+wife+date, mother+date+order, person+method+start) and a row equal to what is stored is
counted as unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from jisheng.accounts.models import staff_user
from jisheng.areas.codes import code_range
from jisheng.areas.models import Area, Level
from jisheng.areas.scoping import user_prefix
from jisheng.core.actor import Actor, is_staff
from jisheng.core.memory import cycle_collection_paused
from jisheng.core.sealed_files import open_sealed

from .. import import_writer
from ..bulkload import roomy_page_cache
from .kinds import KINDS, columns_of, guess_mapping, known_headers
from .pipeline import checked_batches
from .reader import Table, find_table, load_cells, read_cells, save_cells
from .resolve import RESOLVERS, Context, ImportResult, RowError, references_of_refused_row, shown
from .rows import row_checker

BATCH_SIZE = 5000  # rows checked and resolved together
WRITE_ROWS = 25_000  # rows per transaction on SQLite unless all-or-nothing (see run_import)
KIND_NAMES = tuple(KINDS)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open_sealed(path) as handle:  # of what was uploaded, not of its sealed form
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def preview(path: Path, kind: str, *, keep: Path | None = None) -> tuple[Table, dict[str, int]]:
    """The table and the guessed mapping, for the mapping step of the web import; with keep, what
    was read is also saved there for run_import (the file is parsed once)."""
    cells = read_cells(path)
    if keep is not None:
        save_cells(cells, keep)
    table = find_table(cells, known_headers(kind))
    return table, guess_mapping(kind, table.headers)


def visible_villages(by: Actor) -> dict[str, Area]:
    villages = Area.objects.filter(level=Level.VILLAGE)
    if is_staff(by):
        prefix = user_prefix(by)
        villages = villages.filter(code__range=code_range(prefix)) if prefix else villages.none()
    return {area.code: area for area in villages}


@cycle_collection_paused()  # a fifth of an import's Python time was the cycle collector's
def run_import(
    *,
    path: Path,
    kind: str,
    by: Actor,
    mapping: dict[str, int] | None = None,
    default_village: Area | None = None,
    dry_run: bool = False,
    all_or_nothing: bool = False,
    file_name: str = "",
    progress: Callable[[int, int], None] | None = None,
    parsed: Path | None = None,
) -> ImportResult:
    """Import the file at path; parsed, when given, holds the cells preview already read from it."""
    if kind not in KINDS:
        raise ValueError(kind)
    result = ImportResult(kind=kind, dry_run=dry_run, sha256=file_sha256(path))
    cells = load_cells(parsed) if parsed is not None and parsed.exists() else read_cells(path)
    table = find_table(cells, known_headers(kind))
    mapping = mapping if mapping is not None else guess_mapping(kind, table.headers)
    result.total = len(table.rows)
    result.labels = table.labels
    ctx = Context(
        kind, by, visible_villages(by), default_village, table.headers, mapping, labels=table.labels
    )
    missing = [str(c.label) for c in columns_of(kind) if c.required and c.key not in mapping]
    if missing:
        result.errors.append(
            RowError(table.header_row, ", ".join(missing), "", _("this required column is missing"))
        )
        return result
    resolve = RESOLVERS[kind]
    writing = not dry_run
    counts = import_writer.Counts()

    def audit(part: import_writer.Counts, refused: int) -> None:
        import_writer.record_import(
            kind=kind,
            by=by,
            file_name=file_name or path.name,
            sha256=result.sha256,
            area_code=area_code,
            counts=part,
            refused=refused,
        )

    area_code = "" if dry_run else _audit_area_code(by, default_village)
    # Batches are written as they come, so the checking thread keeps working beside the inserts.
    # All-or-nothing writes the file in one transaction, which is what undoes the batches already
    # written when a later row is refused. Otherwise, on SQLite, a transaction per WRITE_ROWS rows:
    # SQLite has one writer at a time and every page view writes its session, so one long
    # transaction would stall everybody else's pages for a large import, while a commit per
    # 5,000-row batch cost 2 s more per 100,000 rows. PostgreSQL's readers and writers do not wait
    # for one another, so there the file is one transaction.
    commit_every = WRITE_ROWS if connection.vendor == "sqlite" and not all_or_nothing else None
    try:
        with roomy_page_cache(), _Parts(audit, commit_every) as parts:
            prepare = import_writer.PREPARERS.get(kind)
            for batch in checked_batches(table.rows, row_checker(kind, mapping), BATCH_SIZE, prepare):
                errors_before = len(result.errors)
                ctx.cells = dict(table.rows[batch.start : batch.start + batch.size])
                for number, problems in batch.refused:
                    for key, value, reason in problems.problems:
                        result.errors.append(RowError(number, ctx.column_name(key), shown(value), reason))
                    references_of_refused_row(ctx, result, number, problems.clean)
                for number, clean in batch.accepted:
                    for key, _id, warning in clean.pop("warnings", ()):
                        result.warnings.append(
                            RowError(number, ctx.column_name(key), ctx.typed(number, key, _id), warning)
                        )
                plan = resolve(ctx, batch.accepted, result)
                counts.add(plan)
                if all_or_nothing and result.errors:
                    writing = False  # keep checking, to list every refused row, but write no more
                if writing:
                    parts.write(plan, {error.row for error in result.errors[errors_before:]})
                if progress:
                    progress(batch.start + batch.size, len(table.rows))
            result.errors.sort(key=lambda error: error.row)  # stable: a row's problems stay in order
            refused_rows = {error.row for error in result.errors}
            result.refused_cells = [(number, cells) for number, cells in table.rows if number in refused_rows]
            result.accepted, result.created = counts.accepted, counts.created
            result.updated, result.unchanged = counts.updated, counts.unchanged
            if dry_run:
                return result
            if all_or_nothing and result.errors:
                raise _NothingWritten  # leaving the open part with an exception rolls it back
            parts.commit()
    except _NothingWritten:
        return result
    result.written = True
    return result


class _Parts:
    """Plans written in transactions of ``commit_every`` rows (None: one for the whole file), each
    transaction with its audit event. Leaving it with an exception rolls back the open one."""

    def __init__(self, audit: Callable[[import_writer.Counts, int], None], commit_every: int | None) -> None:
        self.audit = audit
        self.commit_every = commit_every
        self.open: ExitStack | None = None
        self.part = import_writer.Counts()
        self.refused: set[int] = set()

    def write(self, plan: import_writer.Plan, refused_rows: set[int]) -> None:
        if self.open is None:
            self.open = ExitStack()
            self.open.enter_context(transaction.atomic())
        import_writer.write_plan(plan)
        self.part.add(plan)
        self.refused |= refused_rows
        if self.commit_every is not None and self.part.created + self.part.updated >= self.commit_every:
            self.commit()

    def commit(self) -> None:
        if self.open is not None:
            self.audit(self.part, len(self.refused))
            self.open.close()
        self.open, self.part, self.refused = None, import_writer.Counts(), set()

    def __enter__(self) -> _Parts:
        return self

    def __exit__(self, kind: Any, error: Any, traceback: Any) -> None:
        if self.open is not None:
            self.open.__exit__(kind, error, traceback)
            self.open = None


class _NothingWritten(Exception):
    """Raised inside the import's transaction to undo it when all-or-nothing meets a refused row."""


def _audit_area_code(by: Actor, default_village: Area | None) -> str:
    user = staff_user(by)
    if user is not None and user.area_id:
        return str(user.area_id)
    if default_village is not None:
        return default_village.code
    root = Area.objects.filter(parent__isnull=True).order_by("code").first()
    return root.code if root else ""
