"""`jisheng bench --only http.pages`: the CPU time of each page of the mix, warm, in this process.

Each GET of the mix (the same paths and sessions the load runs with) is requested through Django's test
client, the whole middleware stack included but no server: a warm-up, then ``rounds`` requests one
after another, the process's CPU time measured around them. One JSON row per page: ``cpu_ms`` (CPU
time per request), ``wall_ms``, ``queries`` (statements one request runs, counted on a last request)
and ``requests``. What a page costs here is what the servers spend on it under load, without the
server's own share (about that of ``/healthz``), so pages can be compared and changes measured on a
loaded machine (CPU time, not elapsed time).

Settings from the environment: ``JISHENG_HTTPBENCH_PAGES_ROUNDS`` [300] requests per page,
``JISHENG_HTTPBENCH_PAGES_PROFILE`` a directory to write a cProfile file of each page's rounds into
(``<page>.prof``; read with ``python -m pstats``).
"""

from __future__ import annotations

import cProfile
import os
import time
from collections.abc import Callable, Iterator
from http.cookies import SimpleCookie
from itertools import cycle, islice
from pathlib import Path
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

WARMUP = 20


def _client(cookie: str) -> Client:
    client = Client(REMOTE_ADDR="127.0.0.1")
    client.cookies = SimpleCookie(cookie)
    return client


def page_costs(
    requests: list[dict[str, Any]],
    *,
    rounds: int = 300,
    warmup: int = WARMUP,
    profile_dir: str = "",
    log: Callable[[str], None] = print,
) -> Iterator[dict[str, Any]]:
    """One row per GET request of the mix (POSTs change data and are left to the load runs)."""
    for request in requests:
        if request.get("method") != "GET":
            continue
        name = str(request["name"])
        client = _client(str(request.get("cookie", "")))
        paths = list(request["paths"])
        expect = set(request.get("expect", [200]))
        for path in islice(cycle(paths), warmup):
            client.get(path)
        statuses: dict[int, int] = {}
        profiler = cProfile.Profile() if profile_dir else None
        wall = time.perf_counter()
        cpu = time.process_time()
        if profiler is not None:
            profiler.enable()
        for path in islice(cycle(paths), rounds):
            status = client.get(path).status_code
            statuses[status] = statuses.get(status, 0) + 1
        if profiler is not None:
            profiler.disable()
        cpu = time.process_time() - cpu
        wall = time.perf_counter() - wall
        if profiler is not None:
            Path(profile_dir).mkdir(parents=True, exist_ok=True)
            profiler.dump_stats(str(Path(profile_dir) / f"{name}.prof"))
        with CaptureQueriesContext(connection) as queries:
            client.get(paths[0])
        unexpected = sum(n for status, n in statuses.items() if status not in expect)
        log(f"http.pages: {name} {1000 * cpu / rounds:.2f} ms CPU a request, {len(queries)} queries")
        yield {
            "measure": f"http.pages.{name}",
            "cpu_ms": round(1000 * cpu / rounds, 3),
            "wall_ms": round(1000 * wall / rounds, 3),
            "queries": len(queries),
            "requests": rounds,
            "errors": unexpected,
            "profiled": profiler is not None,
        }


def from_environment(
    requests: list[dict[str, Any]], *, log: Callable[[str], None]
) -> Iterator[dict[str, Any]]:
    env = os.environ.get
    yield from page_costs(
        requests,
        rounds=int(env("JISHENG_HTTPBENCH_PAGES_ROUNDS", "300")),
        profile_dir=env("JISHENG_HTTPBENCH_PAGES_PROFILE", ""),
        log=log,
    )
