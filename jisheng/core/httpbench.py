"""`jisheng bench --only http`: throughput and latency over HTTP, Jisheng next to the bare-Django ceiling.

In one run: the bare app (``loadbench/bare``) under 50 closed-loop clients, then Jisheng under the same
clients with the realistic mix the apps offer (``<app>/loadtest.py``'s ``mix(ctx)``), then Jisheng at a
fixed offered rate (100 requests/s, open loop). Each prints one JSON row: throughput, p50/p95/p99,
errors, and for the mix its throughput as a ratio of the ceiling (each page's too, estimated from its
mean time in the mix). Same gunicorn settings, same database (SQLite, or PostgreSQL by DATABASE_URL).

Settings from the environment (defaults in brackets): JISHENG_HTTPBENCH_CLIENTS [50],
JISHENG_HTTPBENCH_SECONDS [60], JISHENG_HTTPBENCH_WARMUP [5], JISHENG_HTTPBENCH_OPEN_RATE [100, 0 skips
the open-loop run], JISHENG_HTTPBENCH_OPEN_SECONDS [60], JISHENG_WORKERS and JISHENG_THREADS [the
serve command's defaults].
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.conf import settings

from .bench import BenchContext, measure
from .loadbench import pages, runner
from .management.commands import serve

ORDER = 90


def load_from_environment(seed: int = 1) -> runner.Load:
    env = os.environ.get
    return runner.Load(
        users=int(env("JISHENG_HTTPBENCH_CLIENTS", "50")),
        seconds=float(env("JISHENG_HTTPBENCH_SECONDS", "60")),
        warmup=float(env("JISHENG_HTTPBENCH_WARMUP", "5")),
        seed=seed,
        workers=serve.default_workers(),
        threads=serve.default_threads(),
        open_rate=float(env("JISHENG_HTTPBENCH_OPEN_RATE", "100")),
        open_seconds=float(env("JISHENG_HTTPBENCH_OPEN_SECONDS", "60")),
    )


def mix(ctx: BenchContext) -> list[dict[str, Any]]:
    """The requests of the mix, from every app that offers some (``<app>.loadtest.mix``)."""
    requests: list[dict[str, Any]] = []
    for app_path in settings.DOMAIN_APPS:
        if find_spec(f"{app_path}.loadtest") is None:
            continue
        module = import_module(f"{app_path}.loadtest")
        if hasattr(module, "mix"):
            requests.extend(module.mix(ctx))
    return requests


def measures(ctx: BenchContext) -> Iterator[dict[str, Any]]:
    if not ctx.wants_any("http"):
        return
    requests = mix(ctx)
    # Each page's CPU time in this process: only when named (`--only http.pages`), not part of the load.
    if any(name.startswith("http.pages") for name in ctx.only):
        for row in pages.from_environment(requests, log=ctx.log):
            name = row.pop("measure")
            yield measure(name, row["cpu_ms"], "ms CPU a request", None, **row)
    if not ctx.only or any(ctx.wants(name) for name in ("http.bare", "http.mix", "http.open_loop")):
        yield from rows(ctx, load_from_environment(ctx.seed), requests)


def rows(ctx: BenchContext, load: runner.Load, requests: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    bare = runner.measure_bare(load, log=ctx.log)
    closed, opened = runner.measure_jisheng(requests, load, log=ctx.log)
    for row in runner.report(bare, closed, opened, load):
        name = row.pop("measure")
        if name == "http.open_loop":
            floor = (bare.get("open_loop") or {}).get("p95_ms")
            yield measure(name, row["p95_ms"] or 0, "ms (p95)", floor, **row)
        else:
            baseline = bare["total"]["throughput"] if name == "http.mix" else None
            yield measure(name, row["throughput"], "req/s", baseline, **row)
