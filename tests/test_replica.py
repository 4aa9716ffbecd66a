"""Reads on a streaming replica, against two real PostgreSQL clusters started here on loopback.

The primary is initialised, a replica made from it with ``pg_basebackup -R`` (PostgreSQL's own streaming
replication), Jisheng migrated on the primary, and ``tests/replica_scenario.py`` run in a process of its
own with ``DATABASE_URL`` and ``DATABASE_REPLICA_URL`` set, as a province deployment would be.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.replica

REPO = Path(__file__).resolve().parent.parent


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    return found[-1] if found and (found[-1] / "pg_basebackup").exists() else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_pg(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@pytest.fixture(scope="module")
def clusters() -> Iterator[dict[str, Any]]:
    pg = _pg_bin()
    if pg is None:
        pytest.skip("PostgreSQL server binaries are not installed")
    root = Path(tempfile.mkdtemp(prefix="jisheng-replica-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    primary, standby = root / "primary", root / "replica"
    ports = {"primary": _free_port(), "replica": _free_port()}
    common = f"-k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    run = lambda args: subprocess.run(_as_pg(args), check=True, capture_output=True)  # noqa: E731
    run([str(pg / "initdb"), "-D", str(primary), "-A", "trust", "-U", "postgres"])
    run(
        [
            str(pg / "pg_ctl"),
            "-D",
            str(primary),
            "-l",
            str(root / "primary.log"),
            "-w",
            "-o",
            f"{common} -p {ports['primary']} -c wal_level=replica -c max_wal_senders=4",
            "start",
        ]
    )
    try:
        run(
            [
                str(pg / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(ports["primary"]),
                "-U",
                "postgres",
                "jisheng",
            ]
        )
        run(
            [
                str(pg / "pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(ports["primary"]),
                "-U",
                "postgres",
                "-D",
                str(standby),
                "-R",
                "-X",
                "stream",
            ]
        )
        run(
            [
                str(pg / "pg_ctl"),
                "-D",
                str(standby),
                "-l",
                str(root / "replica.log"),
                "-w",
                "-o",
                f"{common} -p {ports['replica']} -c hot_standby=on",
                "start",
            ]
        )
        yield {
            "primary": f"postgres://postgres@127.0.0.1:{ports['primary']}/jisheng",
            "replica": f"postgres://postgres@127.0.0.1:{ports['replica']}/jisheng",
            "replica_data": str(standby),
            "pg_ctl": str(pg / "pg_ctl"),
        }
    finally:
        for data in (standby, primary):
            subprocess.run(
                _as_pg([str(pg / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]), capture_output=True
            )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def findings(clusters: dict[str, Any]) -> dict[str, Any]:
    data_dir = tempfile.mkdtemp(prefix="jisheng-replica-data-")
    env = {
        **os.environ,
        "DATABASE_URL": clusters["primary"],
        "DATABASE_REPLICA_URL": clusters["replica"],
        "JISHENG_DATA_DIR": data_dir,
        "JISHENG_REPLICA_MAX_LAG_SECONDS": "1",
        "JISHENG_REPLICA_DATA": clusters["replica_data"],
        "PG_CTL": clusters["pg_ctl"],
        "DJANGO_SETTINGS_MODULE": "jisheng.settings",
    }
    migrate = subprocess.run(
        [sys.executable, "-m", "jisheng", "migrate", "--no-input"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    stop_as_pg = os.geteuid() == 0
    scenario = [sys.executable, str(REPO / "tests" / "replica_scenario.py")]
    if stop_as_pg:
        # The scenario stops the replica with pg_ctl, which must run as the cluster's owner.
        env["PG_CTL"] = str(REPO / "tests" / "pg_ctl_as_postgres.sh")
        env["PG_CTL_REAL"] = clusters["pg_ctl"]
    result = subprocess.run(scenario, env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.stdout.strip(), result.stderr[-3000:]
    outcome: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    assert "error" not in outcome, (outcome, result.stderr[-3000:])
    return outcome


def test_a_search_page_reads_from_the_replica_and_not_the_primary(findings: dict[str, Any]) -> None:
    read = findings["replica_read"]
    assert read["status"] == 200 and read["found"]
    assert read["replica_queries"] > 0
    assert read["primary_reads"] == 0


def test_after_a_write_the_same_browser_reads_its_own_writes_from_the_primary(
    findings: dict[str, Any],
) -> None:
    after = findings["after_write"]
    assert after["status"] == 200 and after["found"]
    assert after["replica_queries"] == 0


def test_a_replica_lagging_past_the_bound_is_skipped_and_the_new_person_is_found(
    findings: dict[str, Any],
) -> None:
    lagging = findings["lagging"]
    assert lagging["lag"] is not None and lagging["lag"] > 1
    assert lagging["status"] == 200 and lagging["found"]
    assert lagging["replica_queries_beyond_health_check"] == 0


def test_a_replica_killed_in_the_middle_of_a_page_leaves_the_page_answered_from_the_primary(
    findings: dict[str, Any],
) -> None:
    assert findings["killed_mid_page"] == {"status": 200, "found": True}


def test_with_the_replica_down_every_read_heavy_page_still_works(findings: dict[str, Any]) -> None:
    assert findings["killed_pages"] == {
        "/registry/": 200,
        "/reporting/dashboard/": 200,
        "/api/v1/persons": 200,
    }
    assert findings["killed_search"] == {"status": 200, "found": True}
