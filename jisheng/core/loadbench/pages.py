"""`jisheng bench --only http.pages`: the CPU time of each page of the mix, warm, in this process.

Each GET of the mix (the same paths and sessions the load runs with) is requested through Django's test
client, the whole middleware stack included but no server: a warm-up, then ``rounds`` requests one
after another, the process's CPU time measured around them. One JSON row per page: ``cpu_ms`` (CPU
time per request), ``wall_ms``, ``queries`` (statements one request runs, counted on a last request)
``requests``, ``sql_ms`` (time a request spends in the database driver) and ``slowest_sql`` (the
statement, its parameters left out, that took the most time over the rounds, with its mean ms a
call): a page whose SQL time is most of its cost names the statement to look at. What a page costs here is what the servers spend on it under load, without the
server's own share (about that of ``/healthz``), so pages can be compared and changes measured on a
loaded machine (CPU time, not elapsed time). The page of a POST's form, when it names one
(``form_page``), is measured as ``<name>.form``.

Each POST of the mix is sent too, as the load driver sends it (``driver.py``): with its spec's cookies
alone, the CSRF check enforced, from an address of its own when the spec says ``address`` (a trusted
proxy in front, as in the load runs), each request taking the next of the spec's ``forms`` (a new
applicant each time: a new case) or the next step of its ``steps`` on a row (each row walks every step,
then the next row: a notice, then the corrections received). Its row is ``<name>`` with the same
figures; ``queries`` is then the mean over one walk of the steps, and ``steps`` gives each step's
statements and CPU time (over all its requests, the warm-up's included). Run against a copy of the benchmark's data: the cases and notices it makes stay.

Settings from the environment: ``JISHENG_HTTPBENCH_PAGES_ROUNDS`` [300] requests per page,
``JISHENG_HTTPBENCH_PAGES_PROFILE`` a directory to write a cProfile file of each page's rounds into
(``<page>.prof``; read with ``python -m pstats``), ``JISHENG_HTTPBENCH_PAGES_ONLY`` the rows to measure
(their names, comma-separated: ``portal.apply,hall.transition``) [all].
"""

from __future__ import annotations

import cProfile
import os
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from http.cookies import SimpleCookie
from itertools import count
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

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


class _Count:
    """A database execute wrapper counting the statements run."""

    calls = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.calls += 1
        return execute(sql, params, many, context)


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


def _measured(
    name: str,
    send: Callable[[int], int],
    *,
    rounds: int,
    warmup: int,
    expect: set[int],
    profile_dir: str,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """``send(i)`` makes the i-th request (counted from 0, warm-up included) and returns its status."""
    numbers = count()
    for _ in range(warmup):
        send(next(numbers))
    statuses: dict[int, int] = {}
    profiler = cProfile.Profile() if profile_dir else None
    statements = _StatementTimes()
    wall = time.perf_counter()
    cpu = time.process_time()
    if profiler is not None:
        profiler.enable()
    with connection.execute_wrapper(statements):
        for _ in range(rounds):
            status = send(next(numbers))
            statuses[status] = statuses.get(status, 0) + 1
    if profiler is not None:
        profiler.disable()
    cpu = time.process_time() - cpu
    wall = time.perf_counter() - wall
    if profiler is not None:
        Path(profile_dir).mkdir(parents=True, exist_ok=True)
        profiler.dump_stats(str(Path(profile_dir) / f"{name}.prof"))
    with CaptureQueriesContext(connection) as queries:
        send(next(numbers))
    unexpected = sum(n for status, n in statuses.items() if status not in expect)
    sql_ms = statements.total_ms() / rounds
    log(
        f"http.pages: {name} {1000 * cpu / rounds:.2f} ms CPU a request, {len(queries)} queries, "
        f"{sql_ms:.2f} ms in SQL"
    )
    return {
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


def _get_costs(
    request: dict[str, Any], *, rounds: int, warmup: int, profile_dir: str, log: Callable[[str], None]
) -> dict[str, Any]:
    client = _client(str(request.get("cookie", "")))
    paths = list(request["paths"])

    def send(number: int) -> int:
        return int(client.get(paths[number % len(paths)]).status_code)

    return _measured(
        str(request["name"]),
        send,
        rounds=rounds,
        warmup=warmup,
        expect=set(request.get("expect", [200])),
        profile_dir=profile_dir,
        log=log,
    )


def _post_costs(
    request: dict[str, Any], *, rounds: int, warmup: int, profile_dir: str, log: Callable[[str], None]
) -> dict[str, Any]:
    """A POST of the mix sent ``warmup + rounds + 1`` times as the load driver sends it; a walk of
    ``steps`` is measured in whole walks (``rounds`` rounded up to a multiple of its length)."""
    name = str(request["name"])
    cookie = str(request.get("cookie", ""))
    client = Client(REMOTE_ADDR="127.0.0.1", enforce_csrf_checks=True)
    addresses = random.Random(1)
    steps = list(request.get("steps") or [])
    forms = list(request.get("forms") or [])
    walk = len(steps) or 1
    rounds = -(-rounds // walk) * walk
    warmup = -(-warmup // walk) * walk
    if forms and warmup + rounds + 1 > len(forms):
        log(f"http.pages: {name} has {len(forms)} forms for {warmup + rounds + 1} requests: some repeat")
    step_cpu = [0.0] * walk
    step_queries = [0] * walk

    def send(number: int) -> int:
        headers: dict[str, str] = {}
        if request.get("address"):
            headers["X-Forwarded-For"] = (
                f"10.{addresses.randrange(256)}.{addresses.randrange(256)}.{addresses.randrange(1, 255)}"
            )
        if steps:
            step = steps[number % walk]
            rows = request["rows"]
            path = str(step["path"]).format(row=rows[(number // walk) % len(rows)])
            form = dict(step.get("form") or {})
        else:
            path = str(request["path"])
            form = dict(forms[number % len(forms)] if forms else request.get("form") or {})
        client.cookies = SimpleCookie(cookie)  # each request carries exactly the cookies of its spec
        statements = _Count()
        cpu = time.process_time()
        with connection.execute_wrapper(statements):
            if request.get("multipart"):
                response = client.post(path, form, headers=headers)
            else:
                response = client.post(
                    path,
                    urlencode(form),
                    content_type="application/x-www-form-urlencoded",
                    headers=headers,
                )
        step_cpu[number % walk] += time.process_time() - cpu
        step_queries[number % walk] = statements.calls
        return int(response.status_code)

    # Behind a trusted proxy, as in the load runs: the per-address rate limits see many residents.
    proxy = override_settings(TRUSTED_PROXIES=["127.0.0.1"]) if request.get("address") else nullcontext()
    with proxy:
        for number in range(walk - 1):  # the counting request is the walk's last step
            send(number)
        warm = walk - 1
        row = _measured(
            name,
            lambda number: send(number + warm),
            rounds=rounds,
            warmup=warmup,
            expect=set(request.get("expect", [200])),
            profile_dir=profile_dir,
            log=log,
        )
    if steps:
        done = (warm + warmup + rounds + 1) // walk
        row["queries"] = round(sum(step_queries) / walk, 1)
        row["steps"] = {
            str(step["path"]): {
                "cpu_ms": round(1000 * step_cpu[index] / done, 3),
                "queries": step_queries[index],
            }
            for index, step in enumerate(steps)
        }
    return row


def page_costs(
    requests: list[dict[str, Any]],
    *,
    rounds: int = 300,
    warmup: int = WARMUP,
    profile_dir: str = "",
    only: set[str] | None = None,
    log: Callable[[str], None] = print,
) -> Iterator[dict[str, Any]]:
    """One row per GET request of the mix and per form page a POST names, then one per POST (only the
    rows named in ``only``, when given)."""
    for request in _gets(requests):
        if not only or request["name"] in only:
            yield _get_costs(request, rounds=rounds, warmup=warmup, profile_dir=profile_dir, log=log)
    for request in requests:
        if request.get("method") == "POST" and (not only or request["name"] in only):
            yield _post_costs(request, rounds=rounds, warmup=warmup, profile_dir=profile_dir, log=log)


def from_environment(
    requests: list[dict[str, Any]], *, log: Callable[[str], None]
) -> Iterator[dict[str, Any]]:
    env = os.environ.get
    only = {name.strip() for name in env("JISHENG_HTTPBENCH_PAGES_ONLY", "").split(",") if name.strip()}
    yield from page_costs(
        requests,
        rounds=int(env("JISHENG_HTTPBENCH_PAGES_ROUNDS", "300")),
        profile_dir=env("JISHENG_HTTPBENCH_PAGES_PROFILE", ""),
        only=only,
        log=log,
    )
