"""The README's first command on a fresh data directory: it serves Jisheng, and a second run duplicates nothing."""

import os
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.smoke


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(data_dir: Path, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(JISHENG_DATA_DIR=str(data_dir), PORT=str(port), JISHENG_DEMO_PERSONS="300")
    return subprocess.Popen(
        [str(REPO / "scripts" / "start")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _wait_healthy(port: int, process: subprocess.Popen, seconds: int = 180) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.stdout.read() if process.stdout else "start exited")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                return response.read().decode()
        except OSError:
            time.sleep(1)
    raise AssertionError("Jisheng did not answer /healthz in time")


def _stop(process: subprocess.Popen) -> str:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    output, _ = process.communicate(timeout=30)
    return output


def _counts(data_dir: Path) -> dict[str, int]:
    with sqlite3.connect(data_dir / "jisheng.sqlite3") as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {
            table: db.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]  # noqa: S608
            for table in tables
            if not table.startswith(("audit_", "django_", "axes_", "sqlite_")) and "historical" not in table
        }


def test_the_start_command_serves_jisheng_and_running_it_twice_duplicates_nothing(tmp_path):
    port = _free_port()
    first = _start(tmp_path, port)
    try:
        assert '"status": "ok"' in _wait_healthy(port, first)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as response:
            assert "工作人员登录" in response.read().decode()
    finally:
        output = _stop(first)
    assert "Jisheng#2026" in output
    counts = _counts(tmp_path)
    assert counts["areas_area"] == 243 and counts["accounts_user"] >= 11

    second = _start(tmp_path, port)
    try:
        _wait_healthy(port, second)
    finally:
        _stop(second)
    assert _counts(tmp_path) == counts
