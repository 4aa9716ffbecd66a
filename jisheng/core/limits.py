"""Run a function in a child process with a memory limit, so a hostile input fails that work, not the
server (a spreadsheet that asks for hundreds of gigabytes gets a MemoryError in the child).

The child is forked: it shares the parent's settings (and a test's overrides) and starts in
milliseconds. It touches no database connection (it must not: the socket is the parent's) and leaves
by ``os._exit`` (multiprocessing's fork start does), so nothing of the parent's is closed or flushed
twice. The limit is on the address space (``RLIMIT_AS``): what the parent already had when it forked,
plus ``memory_mb``. The child's peak resident size comes back with the result (a bench measures it).
"""

from __future__ import annotations

import multiprocessing
import resource
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from django.utils import translation

MB = 1024 * 1024


class ChildFailed(Exception):
    """The child ran out of memory, was killed, or ran past its time."""


@dataclass
class ChildResult:
    value: Any
    peak_rss_bytes: int


def _address_space_now() -> int:
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[0])
        return pages * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0


def _child(
    connection: Connection, function: Callable[..., Any], kwargs: dict[str, Any], limit: int, language: str
) -> None:
    if limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        with translation.override(language):
            value = function(**kwargs)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        connection.send(("ok", value, peak))
    except MemoryError:
        connection.send(("memory", None, 0))
    except BaseException as error:
        try:
            connection.send(("error", error, 0))
        except Exception:  # an exception that cannot be pickled travels as its text
            connection.send(("error", RuntimeError("".join(traceback.format_exception_only(error))), 0))
    finally:
        connection.close()


def run_limited(
    function: Callable[..., Any], *, memory_mb: int, timeout: float = 600, **kwargs: Any
) -> ChildResult:
    """Call ``function(**kwargs)`` in a forked child limited to ``memory_mb`` more address space.

    Its exceptions are raised here as they were (when they pickle); running out of memory, a kill or
    the timeout raise ChildFailed.
    """
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    limit = _address_space_now() + memory_mb * MB if memory_mb else 0
    process = context.Process(
        target=_child,
        args=(send, function, kwargs, limit, translation.get_language() or "zh-hans"),
        daemon=True,
    )
    process.start()
    send.close()
    try:
        if not receive.poll(timeout):
            process.kill()
            raise ChildFailed("timeout")
        try:
            outcome, value, peak = receive.recv()
        except EOFError as error:
            raise ChildFailed("killed") from error
    finally:
        receive.close()
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join()
    if outcome == "memory":
        raise ChildFailed("memory")
    if outcome == "error":
        raise value
    return ChildResult(value=value, peak_rss_bytes=peak)
