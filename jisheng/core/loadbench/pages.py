"""`jisheng bench --only http.pages`: the CPU time of each page of the mix, warm, in this process.

Each GET of the mix (the same paths and sessions the load runs with) is requested through Django's test
client, the whole middleware stack included but no server: a warm-up, then ``rounds`` requests one
after another, the process's CPU time measured around them. One JSON row per page: ``cpu_ms`` (CPU
time per request), ``wall_ms``, ``queries`` (statements one request runs, counted on a last request)
``requests``, ``sql_ms`` (time a request spends in the database driver) and ``slowest_sql`` (the
statement, its parameters left out, that took the most time over the rounds, with its mean ms a
call): a page whose SQL time is most of its cost names the statement to look at. What a page costs here is what the servers spend on it under load, without the
server's own share (about that of ``/healthz``), so pages can be compared and changes measured on a
loaded machine (CPU time, not elapsed time). A POST of the mix is not sent here, but the page of its
form, when it names one (``form_page``), is measured as ``<name>.form``.

Settings from the environment: ``JISHENG_HTTPBENCH_PAGES_ROUNDS`` [300] requests per page,
``JISHENG_HTTPBENCH_PAGES_PROFILE`` a directory to write a cProfile file of each page's rounds into
(``<page>.prof``; read with ``python -m pstats``).
"""

from __future__ import annotations

import cProfile
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from http.cookies import SimpleCookie
from itertools import cycle, islice
from pathlib import Path
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

WARMUP = 20


class _StatementTimes:
    """A database execute wrapper adding up the time spent in each statement (by its SQL text)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds[sql] += time.perf_counter() - start
            self.calls[sql] += 1

    def total_ms(self) -> float:
        return 1000 * sum(self.seconds.values())

    def slowest(self) -> dict[str, Any] | None:
        if not self.seconds:
            return None
        sql = max(self.seconds, key=self.seconds.__getitem__)
        return {
            "sql": " ".join(sql.split())[:240],
            "mean_ms": round(1000 * self.seconds[sql] / self.calls[sql], 3),
            "calls": self.calls[sql],
        }


def _client(cookie: str) -> Client:
    client = Client(REMOTE_ADDR="127.0.0.1")
    client.cookies = SimpleCookie(cookie)
    return client


def _gets(requests: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The GETs of the mix, and for a POST that names the page of its form (``form_page``) a GET of
    that page as ``<name>.form`` (what a resident opens before sending the form), with its cookie."""
    for request in requests:
        if request.get("method") == "GET":
            yield request
        elif request.get("form_page"):
            yield {
                "name": f"{request['name']}.form",
                "method": "GET",
                "paths": [request["form_page"]],
                "cookie": request.get("cookie", ""),
                "expect": [200],
            }


def page_costs(
    requests: list[dict[str, Any]],
    *,
    rounds: int = 300,
    warmup: int = WARMUP,
    profile_dir: str = "",
    log: Callable[[str], None] = print,
) -> Iterator[dict[str, Any]]:
    """One row per GET request of the mix and per form page a POST names (POSTs change data and are
    left to the load runs)."""
    for request in _gets(requests):
        name = str(request["name"])
        client = _client(str(request.get("cookie", "")))
        paths = list(request["paths"])
        expect = set(request.get("expect", [200]))
        for path in islice(cycle(paths), warmup):
            client.get(path)
        statuses: dict[int, int] = {}
        profiler = cProfile.Profile() if profile_dir else None
        statements = _StatementTimes()
        wall = time.perf_counter()
        cpu = time.process_time()
        if profiler is not None:
            profiler.enable()
        with connection.execute_wrapper(statements):
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
        sql_ms = statements.total_ms() / rounds
        log(
            f"http.pages: {name} {1000 * cpu / rounds:.2f} ms CPU a request, {len(queries)} queries, "
            f"{sql_ms:.2f} ms in SQL"
        )
        yield {
            "measure": f"http.pages.{name}",
            "cpu_ms": round(1000 * cpu / rounds, 3),
            "wall_ms": round(1000 * wall / rounds, 3),
            "queries": len(queries),
            "sql_ms": round(sql_ms, 3),
            "slowest_sql": statements.slowest(),
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
