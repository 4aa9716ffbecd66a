"""`jisheng bench --only http` in small: both servers start, the load driver runs, every target reports.

Nothing is timed here: a second of load with four clients proves the pipeline, not the figures."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from jisheng.core import httpbench
from jisheng.core.bench import BenchContext
from jisheng.core.loadbench import runner


def _database_for_servers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The servers run in processes of their own: they are pointed at this test's database."""
    if connection.vendor == "sqlite":
        # The test database lives in memory: a copy on disk, in a data directory of its own.
        connection.ensure_connection()
        target = sqlite3.connect(tmp_path / "jisheng.sqlite3")
        connection.connection.backup(target)
        target.close()
        monkeypatch.setenv("JISHENG_DATA_DIR", str(tmp_path))
    else:
        db = settings.DATABASES["default"]
        monkeypatch.setenv(
            "DATABASE_URL",
            f"postgres://{quote(db.get('USER') or '')}:{quote(db.get('PASSWORD') or '')}@"
            f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{db['NAME']}",
        )


@pytest.mark.django_db(transaction=True)
def test_the_http_benchmark_serves_both_targets_and_reports_each(tmp_path, monkeypatch):
    _database_for_servers(tmp_path, monkeypatch)
    load = runner.Load(
        users=4, seconds=1, warmup=0.2, workers=1, threads=2, open_rate=4, open_seconds=1, open_pacing=1
    )
    requests = [
        {"name": "portal.index", "weight": 3, "method": "GET", "paths": ["/portal/"], "expect": [200]},
        {"name": "health", "weight": 1, "method": "GET", "paths": ["/healthz"], "expect": [200]},
    ]
    lines: list[str] = []
    rows = list(httpbench.rows(BenchContext(persons=0, log=lines.append), load, requests))
    by_measure: dict[str, Any] = {row["measure"]: row for row in rows}
    assert set(by_measure) == {"http.bare", "http.mix", "http.open_loop"}
    for row in rows:
        assert row["requests"] > 0
        assert {"throughput", "p50_ms", "p95_ms", "p99_ms", "errors"} <= set(row)
    assert by_measure["http.bare"]["errors"] == 0
    mix = by_measure["http.mix"]
    assert mix["errors"] == 0, mix["error_examples"]
    assert mix["baseline"] == by_measure["http.bare"]["throughput"]
    assert mix["ratio_to_bare"] is not None and set(mix["by_name"]) == {"portal.index", "health"}
    opened = by_measure["http.open_loop"]
    assert opened["offered_rate"] == 4
    # The bare app at the same offered rate stands beside it: its p95 is the baseline.
    assert opened["bare"]["requests"] > 0 and opened["bare"]["errors"] == 0
    assert opened["baseline"] == opened["bare"]["p95_ms"]
    assert any("bare Django" in line for line in lines)


def test_the_benchmark_is_found_among_the_measures_of_jisheng_bench():
    from jisheng.core.bench import bench_modules

    assert httpbench in bench_modules()
