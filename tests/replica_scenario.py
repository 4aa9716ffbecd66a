"""The replica scenario, run by tests/test_replica.py in a process of its own against a real primary and
a real streaming replica (two throwaway PostgreSQL clusters on loopback).

It needs DATABASE_URL, DATABASE_REPLICA_URL and JISHENG_REPLICA_DATA (the replica's data directory, so
that it can pause and kill the replica) in its environment, and prints one JSON object of findings; the
test asserts on them. Pages are requested through Django's test client against the real databases, so
the whole middleware stack and the router run as in production.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jisheng.settings")
django.setup()

from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from jisheng.core import replica  # noqa: E402

findings: dict[str, Any] = {}


def caught_up(timeout: float = 20) -> None:
    """Wait until the replica has replayed everything the primary has written so far."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        (target,) = cursor.fetchone()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connections["replica"].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            (done,) = cursor.fetchone()
        if done:
            return
        time.sleep(0.1)
    raise SystemExit("the replica did not catch up")


def search(client: Client, name: str) -> tuple[int, bool, int, int]:
    """GET the registry search for ``name``: (status, found, queries on the replica, reads on the primary)."""
    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        response = client.get("/registry/", {"q": name})
    # Writes (the session's idle-timeout stamp) belong on the primary, and so does the session's read
    # (a sign-out must be refused at once, not when the replica catches up): the page's other reads
    # are what is counted.
    primary_reads = [
        q
        for q in on_primary.captured_queries
        if q["sql"].lstrip().upper().startswith("SELECT") and '"django_session"' not in q["sql"]
    ]
    return response.status_code, name in response.content.decode(), len(on_replica), len(primary_reads)


def plain_search(client: Client, name: str) -> dict[str, Any]:
    """The same page without counting queries (counting opens a connection to the dead replica)."""
    response = client.get("/registry/", {"q": name})
    return {"status": response.status_code, "found": name in response.content.decode()}


def setup() -> tuple[Any, Any]:
    from jisheng.accounts.models import User
    from jisheng.accounts.services import roles_for
    from jisheng.areas.models import Area, Level
    from jisheng.registry import services

    def area(code: str, name: str, level: int, parent: Area | None) -> Area:
        return Area.objects.create(code=code, name=name, level=level, parent=parent)

    province = area("410000000000", "河南省", Level.PROVINCE, None)
    city = area("411700000000", "驻马店市", Level.CITY, province)
    county = area("411723000000", "平舆县", Level.COUNTY, city)
    township = area("411723101000", "庙湾镇", Level.TOWNSHIP, county)
    village = area("411723101201", "王庄村", Level.VILLAGE, township)
    user = User.objects.create_user(username="head", password="Test#Pass2026", area=township)
    user.roles.set(roles_for(["township_head"]))
    services.person_create(
        by=user, name="陈秀英", id_number="411723198803020029", residence_area=village, sex="F"
    )
    return user, village


def main() -> None:
    from jisheng.registry import services

    user, village = setup()
    caught_up()

    # 1. A search page reads from the replica.
    client = Client()
    client.force_login(user)
    caught_up()
    status, found, replica_queries, primary_queries = search(client, "陈秀英")
    findings["replica_read"] = {
        "status": status,
        "found": found,
        "replica_queries": replica_queries,
        "primary_reads": primary_queries,
    }

    # 2. Read-your-own-writes: after a write request, the same browser's pages read the primary.
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    status, found, replica_queries, primary_queries = search(client, "陈秀英")
    findings["after_write"] = {"status": status, "found": found, "replica_queries": replica_queries}

    # 3. A lagging replica is skipped: replay paused, a person added on the primary, past the bound.
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    services.person_create(
        by=user, name="刘桂兰", id_number="411723199203150043", residence_area=village, sex="F"
    )
    time.sleep(float(os.environ.get("JISHENG_REPLICA_MAX_LAG_SECONDS", "1")) + 1.5)
    replica.health.reset()
    fresh = Client()
    fresh.force_login(user)
    status, found, replica_queries, _ = search(fresh, "刘桂兰")
    findings["lagging"] = {
        "status": status,
        "found": found,
        "lag": replica.health.last_lag,
        "replica_queries_beyond_health_check": replica_queries - 1,
    }
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_resume()")
    caught_up()

    # 4. The replica dies between two pages, and in the middle of one: every page still answers.
    replica.health.reset()
    # Django's test client re-raises an exception a page met even when the page answered after all;
    # here the first attempt's exception is expected, and the answer is what counts.
    other = Client(raise_request_exception=False)
    other.force_login(user)
    caught_up()
    subprocess.run(
        [os.environ["PG_CTL"], "-D", os.environ["JISHENG_REPLICA_DATA"], "-m", "immediate", "stop"],
        check=True,
        capture_output=True,
    )
    # The health check ran a moment ago and still says "usable": the page meets the dead replica.
    replica.health._usable = True
    replica.health._checked_at = time.monotonic()
    findings["killed_mid_page"] = plain_search(other, "刘桂兰")
    replica.health.reset()
    statuses = {}
    for path in ("/registry/", "/reporting/dashboard/", "/api/v1/persons"):
        statuses[path] = other.get(path).status_code
    findings["killed_pages"] = statuses
    findings["killed_search"] = plain_search(other, "陈秀英")
    print(json.dumps(findings, ensure_ascii=False))


if __name__ == "__main__":
    try:
        main()
    except Exception as exc:  # the test prints what went wrong
        print(json.dumps({"error": repr(exc), **findings}, ensure_ascii=False))
        sys.exit(1)
