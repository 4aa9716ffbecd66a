"""SQLite's writers take their turn (jisheng/core/sqlite/turn.py): across threads and processes they queue
before ``BEGIN IMMEDIATE``, so none meets the database's lock and SQLite's sleeping retries."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from jisheng.core.sqlite.turn import WritersTurn, turn_of

REPO = Path(__file__).resolve().parents[3]

# Three of these run at once on one database, four threads each, every thread writing forty times in a
# transaction that holds on for a moment. SQLite's retries are switched off (busy_timeout 0): a writer
# that met another's lock would fail at once with "database is locked".
WRITER_PROCESS = """
import json, sys, threading, time
import django
django.setup()
from django.db import connection, transaction

def writer(number):
    failures = []
    try:
        connection.ensure_connection()
        connection.connection.execute("PRAGMA busy_timeout = 0")
        for _ in range(40):
            try:
                with transaction.atomic():
                    with connection.cursor() as cursor:
                        cursor.execute("INSERT INTO written (writer) VALUES (%s)", [number])
                        time.sleep(0.001)
                        cursor.execute("UPDATE total SET n = n + 1")
            except Exception as error:
                failures.append(str(error))
    finally:
        connection.close()
    results.extend(failures)

results = []
threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps(results))
"""

SETUP = """
import django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE written (id INTEGER PRIMARY KEY, writer INTEGER)")
    cursor.execute("CREATE TABLE total (n INTEGER)")
    cursor.execute("INSERT INTO total VALUES (0)")
"""

COUNT = """
import json
import django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SELECT (SELECT COUNT(*) FROM written), (SELECT n FROM total)")
    print(json.dumps(cursor.fetchone()))
"""


def _python(code: str, data_dir: Path) -> subprocess.Popen[str]:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["JISHENG_DATA_DIR"] = str(data_dir)
    env["DJANGO_SETTINGS_MODULE"] = "jisheng.settings"
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _output(process: subprocess.Popen[str]) -> Any:
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def test_writers_of_three_processes_never_meet_the_databases_lock_even_without_sqlites_retries(
    tmp_path: Path,
) -> None:
    _output(_python(SETUP + "\nprint('[]')", tmp_path))
    writers = [_python(WRITER_PROCESS, tmp_path) for _ in range(3)]
    failures = [failure for process in writers for failure in _output(process)]
    assert failures == []
    assert _output(_python(COUNT, tmp_path)) == [3 * 4 * 40, 3 * 4 * 40]


def test_a_thread_waits_for_the_turn_another_thread_holds_and_gets_it_when_given_back(tmp_path: Path) -> None:
    turn = WritersTurn(str(tmp_path / "db"))
    assert turn.take()
    order: list[str] = []
    taken = threading.Event()

    def second() -> None:
        assert turn.take()
        order.append("second took it")
        taken.set()
        turn.give_back()

    thread = threading.Thread(target=second)
    thread.start()
    assert not taken.wait(0.2)  # still the first's
    order.append("first gave it back")
    turn.give_back()
    thread.join(timeout=10)
    assert order == ["first gave it back", "second took it"]


def test_a_turn_another_process_holds_is_given_up_after_the_timeout_holding_nothing(tmp_path: Path) -> None:
    database = str(tmp_path / "db")
    spawn = multiprocessing.get_context("spawn")
    held, release = spawn.Event(), spawn.Event()
    other = spawn.Process(target=_hold_turn, args=(database, held, release))
    other.start()
    try:
        assert held.wait(60)
        turn = WritersTurn(database)
        assert turn.take(timeout=0.2) is False
        release.set()
        other.join(timeout=60)
        # Nothing was left held by the refused take: this thread's lock and the file are free.
        assert turn.take(timeout=5) is True
        turn.give_back()
    finally:
        release.set()
        other.join(timeout=60)


def _hold_turn(database: str, held: object, release: object) -> None:
    turn = WritersTurn(database)
    turn.take()
    held.set()  # type: ignore[attr-defined]
    release.wait(60)  # type: ignore[attr-defined]
    turn.give_back()


def test_a_forked_worker_does_not_share_the_turn_its_parent_holds(tmp_path: Path) -> None:
    """gunicorn forks its workers: a file lock belongs to the open file a fork shares, so a worker must
    lock a file of its own, and the parent's thread lock held at the fork must not be the child's."""
    turn = turn_of(str(tmp_path / "db"))
    assert turn.take()
    try:
        child = os.fork()
        if child == 0:  # pragma: no cover - the child's exit status is the assertion
            refused = turn_of(str(tmp_path / "db")).take(timeout=0.2) is False
            os._exit(0 if refused else 1)
        _, status = os.waitpid(child, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        turn.give_back()


def test_a_worker_killed_while_holding_the_turn_leaves_it_to_the_next(tmp_path: Path) -> None:
    """The file lock dies with its process: a worker killed with -9 mid-transaction blocks no one."""
    database = str(tmp_path / "db")
    spawn = multiprocessing.get_context("spawn")
    held, release = spawn.Event(), spawn.Event()
    other = spawn.Process(target=_hold_turn, args=(database, held, release))
    other.start()
    assert held.wait(60)
    turn = WritersTurn(database)
    assert turn.take(timeout=0.2) is False
    other.kill()
    other.join(timeout=60)
    assert turn.take(timeout=5) is True
    turn.give_back()
