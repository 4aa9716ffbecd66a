"""`scripts/start` alone runs the periodic work: a case due on the next working day is warned within the hour,
and gunicorn's control socket is kept in the instance's own data directory."""

import datetime
import os
import sqlite3
import subprocess
import time
import zoneinfo
from pathlib import Path

import pytest

from tests.test_start_and_serve import REPO, _free_port, _start, _stop, _wait_healthy

pytestmark = pytest.mark.smoke


def _jisheng(data_dir: Path, *arguments: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["JISHENG_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [str(REPO / ".venv" / "bin" / "jisheng"), *arguments],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    ).stdout


def test_start_alone_warns_on_a_case_due_tomorrow_and_keeps_the_control_socket_in_the_data_directory(
    tmp_path,
):
    _jisheng(tmp_path, "migrate", "--no-input", "-v", "0")
    _jisheng(tmp_path, "demo", "--persons", "300", "--seed", "1")
    today = datetime.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai")).date()
    tomorrow = _jisheng(tmp_path, "workdays", "add", today.isoformat(), "1").strip()
    with sqlite3.connect(tmp_path / "jisheng.sqlite3") as db:
        case_id = db.execute("SELECT id FROM hall_application ORDER BY id LIMIT 1").fetchone()[0]
        db.execute(
            "UPDATE hall_application SET status='received', due_on=?, warned_on=NULL WHERE id=?",
            (tomorrow, case_id),
        )

    port = _free_port()
    process = _start(tmp_path, port)
    try:
        _wait_healthy(port, process)
        # Gunicorn opens its control socket in a thread of its own after the workers are started, so
        # a worker may answer before the socket is there.
        deadline = time.monotonic() + 60
        while not (tmp_path / "gunicorn.ctl").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert (tmp_path / "gunicorn.ctl").exists()
        deadline = time.monotonic() + 120
        warned = None
        while time.monotonic() < deadline and warned is None:
            with sqlite3.connect(tmp_path / "jisheng.sqlite3") as db:
                warned = db.execute(
                    "SELECT warned_on FROM hall_application WHERE id=?", (case_id,)
                ).fetchone()[0]
            time.sleep(1)
    finally:
        output = _stop(process)
    assert warned == today.isoformat(), output
    with sqlite3.connect(tmp_path / "jisheng.sqlite3") as db:
        events = [
            row[0] for row in db.execute("SELECT text FROM hall_caseevent WHERE application_id=?", (case_id,))
        ]
    assert any("预警" in text for text in events)
    assert "scheduler: deadline-sweep" in output
