"""gunicorn's threads keep their SQLite connection between requests instead of opening one per request."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

SERVE_TWICE = """
import os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "jisheng.settings"
django.setup()
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import RequestFactory

handler = WSGIHandler()
environ = RequestFactory().get("/healthz").environ
seen = []
for _ in range(2):
    status = []
    b"".join(handler(dict(environ), lambda s, _h: status.append(s)))
    assert status[0].startswith("200"), status
    seen.append(connection.connection)
print("same" if seen[0] is seen[1] else "new")
"""


@pytest.mark.django_db(transaction=True)
def test_a_thread_serves_its_next_request_on_the_same_database_connection(tmp_path: Path):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's connection age comes from DATABASE_URL's settings")
    # A database file as the server has (Django never closes the tests' in-memory one).
    connection.ensure_connection()
    target = sqlite3.connect(tmp_path / "jisheng.sqlite3")
    connection.connection.backup(target)
    target.close()
    done = subprocess.run(
        [sys.executable, "-c", SERVE_TWICE],
        env={**os.environ, "JISHENG_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "same"
