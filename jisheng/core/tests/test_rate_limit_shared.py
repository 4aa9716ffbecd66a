"""The public rate limit holds across worker processes, and a full window is refused without a write."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jisheng.core.models import Counter
from jisheng.core.ratelimit import allow

WORKER = """
import json, os, sys, django
os.environ["DJANGO_SETTINGS_MODULE"] = "jisheng.settings"
django.setup()
from django.test import RequestFactory
from jisheng.core.ratelimit import allow
request = RequestFactory().post("/portal/apply", REMOTE_ADDR="198.51.100.77")
sys.stdin.readline()  # both processes start counting together
print(json.dumps([allow(request, "two-processes", limit=10) for _ in range(15)]))
"""


def test_a_full_window_is_refused_without_writing(db, rf):
    request = rf.post("/portal/apply/", REMOTE_ADDR="198.51.100.9")
    assert sum(allow(request, "refused-read-only", limit=3) for _ in range(3)) == 3
    with CaptureQueriesContext(connection) as queries:
        assert not allow(request, "refused-read-only", limit=3)
        assert not allow(request, "refused-read-only", limit=3)
    assert queries.captured_queries
    assert all(query["sql"].lstrip().upper().startswith("SELECT") for query in queries.captured_queries)
    assert Counter.objects.get(key__startswith="rate:refused-read-only:").count == 3


@pytest.mark.django_db(transaction=True)
def test_the_limit_trips_across_two_worker_processes(tmp_path: Path):
    env = dict(os.environ)
    if connection.vendor == "sqlite":
        # The test database lives in memory: the two processes share a copy on disk.
        connection.ensure_connection()
        target = sqlite3.connect(tmp_path / "jisheng.sqlite3")
        connection.connection.backup(target)
        target.close()
        env["JISHENG_DATA_DIR"] = str(tmp_path)
    else:
        db = settings.DATABASES["default"]
        env["DATABASE_URL"] = (
            f"postgres://{quote(db.get('USER') or '')}:{quote(db.get('PASSWORD') or '')}@"
            f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{db['NAME']}"
        )
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err[-2000:]
        results.extend(json.loads(out.strip().splitlines()[-1]))
    assert len(results) == 30
    assert sum(results) == 10  # ten in all, however the two processes interleaved
