"""The measures of `jisheng bench`, found as ``<app>/bench.py`` modules and run in their ORDER.

A bench module has ``ORDER`` (int) and ``measures(ctx) -> Iterable[dict]``, each dict holding
``measure``, ``value``, ``unit`` and ``baseline`` (the same work done with a bare SQL statement through
the driver, or None). The command adds ``persons`` and ``database`` and prints one JSON object a line.
The registry's module runs first and makes sure the county of ``ctx.persons`` people exists.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import import_module
from importlib.util import find_spec
from types import ModuleType
from typing import Any

from django.conf import settings


@dataclass
class BenchContext:
    persons: int
    seed: int = 1
    # Above 1, `jisheng bench --counties C`: a province of C counties and only the modules that say
    # ``PROVINCE = True`` (jisheng.demo.bench); at 1, every other module, on the one demo county.
    counties: int = 1
    only: set[str] = field(default_factory=set)
    log: Callable[[str], None] = print

    def wants(self, measure: str) -> bool:
        return not self.only or any(measure.startswith(name) for name in self.only)

    def needs_county(self) -> bool:
        """Whether any wanted measure needs the generated county: the measures of modules that declare
        ``COUNTY_FREE_PREFIX`` (the cryptography's, say) run on an empty, even unmigrated, database."""
        if not self.only:
            return True
        free = tuple(COUNTY_FREE_PREFIXES)
        return any(not name.startswith(free) for name in self.only)

    def wants_any(self, prefix: str) -> bool:
        """Whether any measure under ``prefix`` is wanted: a module skips its set-up when none is."""
        return not self.only or any(name.startswith(prefix) or prefix.startswith(name) for name in self.only)


# Measures of the whole server rather than of one app, kept in the shell.
SHELL_MODULES = ("jisheng.core.httpbench",)
# Filled by bench_modules(): the measure prefixes of modules that need no county.
COUNTY_FREE_PREFIXES: set[str] = set()


def bench_modules() -> list[ModuleType]:
    modules = [import_module(name) for name in SHELL_MODULES]
    for app_path in settings.DOMAIN_APPS:
        if find_spec(f"{app_path}.bench") is None:
            continue
        module = import_module(f"{app_path}.bench")
        if hasattr(module, "measures"):  # jisheng.core.bench is this framework, not a measure
            modules.append(module)
            if hasattr(module, "COUNTY_FREE_PREFIX"):
                COUNTY_FREE_PREFIXES.add(module.COUNTY_FREE_PREFIX)
    return sorted(modules, key=lambda module: getattr(module, "ORDER", 100))


def timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    p95_index = max(0, int(round(0.95 * len(ordered))) - 1)
    return {"p50": round(statistics.median(ordered), 3), "p95": round(ordered[p95_index], 3)}


def measure(
    name: str, value: float, unit: str, baseline: float | None = None, **extra: Any
) -> dict[str, Any]:
    return {"measure": name, "value": round(value, 3), "unit": unit, "baseline": baseline, **extra}


def run(ctx: BenchContext) -> Iterable[dict[str, Any]]:
    for module in bench_modules():
        if bool(getattr(module, "PROVINCE", False)) == (ctx.counties > 1):
            yield from module.measures(ctx)
