"""Checking rows in a background thread while the calling thread resolves and writes.

Checking is pure Python and needs no database; writing spends most of its time inside SQLite or
waiting for PostgreSQL, with the interpreter lock released. Run side by side on two cores, the
checks of later rows are done while earlier rows are being written.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation

from .rows import RowProblems


@dataclass
class CheckedBatch:
    start: int  # index of the batch's first row among the table's rows
    size: int
    accepted: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (row number, clean row)
    refused: list[tuple[int, RowProblems]] = field(default_factory=list)


_DONE = object()


def checked_batches(
    rows: list[tuple[int, list[Any]]],
    check: Callable[[list[Any]], dict[str, Any]],
    batch_size: int,
    prepare: Callable[[dict[str, Any]], None] | None = None,
) -> Iterator[CheckedBatch]:
    """Yield the rows in checked batches, in order; the checking runs ahead in a daemon thread.

    ``prepare``, when given, runs in the same thread on each accepted row: the work of writing that
    needs no database (sealing an ID number, its index, a name's readings), moved off the thread
    that waits for the database. Refusals are worded in the caller's language. An exception in the
    thread is raised here.
    """
    results: queue.SimpleQueue[Any] = queue.SimpleQueue()
    language = translation.get_language()
    stop = threading.Event()

    def work() -> None:
        try:
            with translation.override(language):
                for start in range(0, len(rows), batch_size):
                    if stop.is_set():
                        return
                    batch = CheckedBatch(start=start, size=min(batch_size, len(rows) - start))
                    for number, cells in rows[start : start + batch_size]:
                        try:
                            clean = check(cells)
                        except RowProblems as problems:
                            batch.refused.append((number, problems))
                            continue
                        if prepare is not None:
                            prepare(clean)
                        batch.accepted.append((number, clean))
                    results.put(batch)
            results.put(_DONE)
        except BaseException as error:  # handed to the consumer, which raises it
            results.put(error)

    thread = threading.Thread(target=work, name="import-check", daemon=True)
    thread.start()
    try:
        while True:
            item = results.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
