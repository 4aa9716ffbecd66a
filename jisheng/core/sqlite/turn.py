"""Writers of one SQLite database served in turn, woken as soon as the one before them ends.

SQLite lets one transaction write at a time. A second writer's ``BEGIN IMMEDIATE`` finds the lock taken
and SQLite's busy handler sleeps and tries again, 1, 2, 5, 10, 15, 20, 25, … 100 ms apart, however soon
the lock is free: under the hall's load (seventy writes a second, each holding the lock a few
milliseconds) a write waited 31 ms on average for a lock that was free most of that time, one in ten
80 ms, one in a hundred 350 ms (docs/benchmarks.md, the twelfth run). Every write of the county went
through that sleep schedule.

So a transaction first takes its turn: the threads of one process queue on a lock, and the one at the
head of each process's queue takes an advisory ``flock`` on a file beside the database, retried every
fraction of a millisecond. Only then does it ``BEGIN IMMEDIATE``, which then finds the database free.

The turn only orders writers; it never replaces SQLite's own lock, which still guarantees that one
transaction writes at a time. Whatever does not take the turn (the ``sqlite3`` shell, a backup's
``BEGIN``) is served by SQLite's busy handler as before, and a turn not had within the busy timeout is
given up: the transaction begins anyway and SQLite's timeout applies, as it did before. (Behind a
transaction that holds the database longer than that, an import's batch, a write so waits up to twice
the busy timeout before it fails with "database is locked".)
"""

from __future__ import annotations

import fcntl
import os
import threading
import time

# As long as SQLite's busy_timeout (settings: 5,000 ms): past it the write would fail all the same.
TURN_TIMEOUT_SECONDS = 5.0
# How often the head of a process's queue tries the file lock again: the first retries soon (most
# writes hold the lock one to five milliseconds), then at most every millisecond.
FIRST_RETRY_SECONDS = 0.0001
LONGEST_RETRY_SECONDS = 0.001


class WritersTurn:
    """The turn of the writers of the database at ``path``: ``take()``, then ``give_back()``."""

    def __init__(self, path: str) -> None:
        self.path = f"{path}-writers"
        self._threads = threading.Lock()
        self._descriptor: int | None = None

    def take(self, timeout: float = TURN_TIMEOUT_SECONDS) -> bool:
        """Wait for this process's threads before it, then for the other processes; False when the turn
        did not come within ``timeout`` (nothing is then held)."""
        deadline = time.monotonic() + timeout
        if not self._threads.acquire(timeout=timeout):
            return False
        try:
            descriptor = self._open()
            retry = FIRST_RETRY_SECONDS
            while True:
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return True
                except BlockingIOError:
                    if time.monotonic() + retry > deadline:
                        self._threads.release()
                        return False
                    time.sleep(retry)
                    retry = min(retry * 2, LONGEST_RETRY_SECONDS)
        except BaseException:
            self._threads.release()
            raise

    def give_back(self) -> None:
        try:
            if self._descriptor is not None:
                fcntl.flock(self._descriptor, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _open(self) -> int:
        if self._descriptor is None:
            # Owner-only, as everything in the data directory; it holds nothing, only its lock is used.
            self._descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        return self._descriptor

    def after_fork(self) -> None:
        """In a new process (gunicorn forks its workers): a lock and a file of its own. A ``flock``
        belongs to the open file, which a fork shares: a worker locking the descriptor it inherited would
        hold the turn for all its siblings."""
        self._threads = threading.Lock()
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None


_turns: dict[str, WritersTurn] = {}
_turns_lock = threading.Lock()


def turn_of(path: str) -> WritersTurn:
    """The one turn of this process for the database file ``path``."""
    path = os.path.realpath(path)
    with _turns_lock:
        turn = _turns.get(path)
        if turn is None:
            turn = _turns[path] = WritersTurn(path)
        return turn


def _after_fork_in_child() -> None:
    global _turns_lock
    _turns_lock = threading.Lock()  # another thread of the parent may have held it at the fork
    for turn in _turns.values():
        turn.after_fork()


os.register_at_fork(after_in_child=_after_fork_in_child)
