"""`jisheng bench --counties C` (C > 1): a province of C counties (``registry.province``), generated
and then measured against one county (平舆县, 411723, with the county account) and against the whole
province (the ``province`` account at 410000): searches by ID, last four, name and initials, opening a
person file, the month report, and for the county its childcare subsidy run and a 100,000-row import.

The measures are the apps' own (``registry.bench``, ``reporting.bench``, ``benefits.bench``), each
with the bare SQL statement beside it as ``baseline``; here they run at the province's size and under
names starting ``province.county.`` or ``province.all.``. Only these run when C > 1.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from django.db import connection

from jisheng.benefits import bench as benefits_bench
from jisheng.core.bench import BenchContext, measure, percentiles
from jisheng.registry import bench as registry_bench
from jisheng.registry import province
from jisheng.reporting import bench as reporting_bench

ORDER = 1
PROVINCE = True  # run by `jisheng bench` only when --counties is above 1
QUERIES = 200
FILES = 50


def measures(ctx: BenchContext) -> Iterator[dict[str, Any]]:
    if ctx.counties <= 1:
        return
    from jisheng.accounts.models import User

    chosen = province.counties(ctx.counties)
    extra = {"counties": len(chosen)}
    province.ensure_areas(chosen, ctx.log)
    _province_account()
    done = province.generate(chosen=chosen, persons=ctx.persons, seed=ctx.seed, log=ctx.log)
    if done["persons"] and ctx.wants("province.generate"):
        yield measure(
            "province.generate", done["persons"] / done["seconds"], "rows/s", None,
            persons_added=done["persons"], seconds=round(done["seconds"], 1),
            seal_cpu_seconds=round(done["seal_seconds"], 1), workers=done["workers"], **extra,
        )  # fmt: skip
    scopes = (
        ("province.county.", User.objects.get(username="county"), province.DEMO_COUNTY),
        ("province.all.", User.objects.get(username="province"), province.PROVINCE[:2]),
    )
    rng = random.Random(ctx.seed)
    for prefix, user, area_prefix in scopes:
        if ctx.wants_any(prefix + "search"):
            yield from _named(prefix, _searches(ctx, prefix, user, area_prefix, rng), extra)
        if ctx.wants(prefix + "person_file"):
            yield from _named(prefix, _person_files(user, area_prefix, rng), extra)
        if ctx.wants(prefix + "month_report"):
            yield from _named(prefix, _month_report(ctx, area_prefix), extra)
    if ctx.wants("province.county.childcare_subsidy"):
        only = BenchContext(persons=ctx.persons, only={"benefits.eligibility.childcare_subsidy"}, log=ctx.log)
        for row in benefits_bench.measures(only):
            yield {**row, "measure": "province.county.childcare_subsidy_run", **extra}
    if ctx.wants("province.county.import"):
        for row in registry_bench._import(ctx):
            yield {**row, "measure": "province.county.import_xlsx", **extra}


def _province_account() -> None:
    """``province``: city staff at 河南省 (410000), who reads every county."""
    from jisheng.accounts.demo import DEMO_PASSWORD
    from jisheng.accounts.models import User
    from jisheng.accounts.roles import RoleCode
    from jisheng.accounts.services import user_create
    from jisheng.areas.models import Area

    if not User.objects.filter(username="province").exists():
        user_create(
            username="province", password=DEMO_PASSWORD, area=Area.objects.get(code=province.PROVINCE),
            roles=[str(RoleCode.CITY_STAFF)], full_name="省级统计", by=province.BENCHMARK, validate=False,
        )  # fmt: skip


def _named(prefix: str, rows: Iterator[dict[str, Any]], extra: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for row in rows:
        yield {**row, "measure": prefix + row["measure"], **extra}


def _sample(rng: random.Random, area_prefix: str, count: int) -> list[tuple[int, str, str, str]]:
    """(id, sealed ID number, name, initials) of ``count`` random persons of the area: ids are drawn
    between the area's lowest and highest (a county's persons were written as one block)."""
    low, high = area_prefix.ljust(12, "0"), area_prefix.ljust(12, "9")
    rows = registry_bench._raw(
        "SELECT MIN(id), MAX(id) FROM registry_person WHERE residence_area_id BETWEEN %s AND %s", [low, high]
    )
    first, last = rows[0][0] or 1, rows[0][1] or 1
    found: list[tuple[int, str, str, str]] = []
    for _attempt in range(50):
        ids = [rng.randint(first, last) for _ in range(count)]
        placeholders = ", ".join(["%s"] * len(ids))
        found += registry_bench._raw(
            f"SELECT id, id_number, name, name_initials FROM registry_person WHERE id IN ({placeholders}) "
            "AND residence_area_id BETWEEN %s AND %s AND id_number <> '' AND name_initials <> ''",
            [*ids, low, high],
        )
        if len(found) >= count:
            break
    return found[:count]


def _searches(
    ctx: BenchContext, prefix: str, user: Any, area_prefix: str, rng: random.Random
) -> Iterator[dict[str, Any]]:
    """registry.bench's searches, the queries drawn from the area searched in. The search by the last
    four of the ID runs only when named (``--only province.county.search_id_last4``): at a province's
    size its hand-written statement (an IN over the tail index of every partition) takes seconds a
    query, so 200 of them take most of an hour."""
    from jisheng.registry.models.people import id_tail_index

    sample = _sample(rng, area_prefix, QUERIES)
    numbers = [registry_bench._plain_id(row[1]) for row in sample]
    cases: dict[str, tuple[list[str], str, Callable[[str], str]]] = {
        "search_id": (numbers, "id_number = %s", registry_bench._sealed_id),
        "search_id_last4": ([n[-4:] for n in numbers], "id_tail = %s", id_tail_index),
        "search_name_prefix": ([row[2][:2] for row in sample], "name >= %s AND name < %s", str),
        "search_initials": (
            [row[3][:3] for row in sample],
            "name_initials >= %s AND name_initials < %s",
            str,
        ),
    }
    scope = (user.area.prefix.ljust(12, "0"), user.area.prefix.ljust(12, "9"))
    for name, (queries, where, to_column) in cases.items():
        if not ctx.wants(prefix + name):
            continue
        if name == "search_id_last4" and not any(n.startswith(prefix + name) for n in ctx.only):
            continue  # only when named: its bare statement reads every partition (seconds a query)
        app = [registry_bench._timed_ms(partial(registry_bench._search_once, user, q)) for q in queries]
        raw = [
            registry_bench._timed_ms(partial(registry_bench._raw_search, where, to_column(q), scope))
            for q in queries
        ]
        app_p, raw_p = percentiles(app), percentiles(raw)
        yield measure(f"{name}_p50", app_p["p50"], "ms", raw_p["p50"], queries=len(queries))
        yield measure(f"{name}_p95", app_p["p95"], "ms", raw_p["p95"], queries=len(queries))


def _person_files(user: Any, area_prefix: str, rng: random.Random) -> Iterator[dict[str, Any]]:
    """registry.bench's person file (the view a clerk opens), for persons of the area."""
    yield from registry_bench.person_file_measures(user, [row[0] for row in _sample(rng, area_prefix, FILES)])


def _month_report(ctx: BenchContext, area_prefix: str) -> Iterator[dict[str, Any]]:
    """reporting.bench's county report (the village month form over every village below the area,
    best of three, the hand-written statements beside it), for the county or the whole province."""
    from jisheng.areas.models import Area
    from jisheng.reporting import clock, services
    from jisheng.reporting.models import ReportForm
    from jisheng.reporting.periods import containing

    services.forms_load(by=reporting_bench.BENCHMARK)
    form = ReportForm.objects.get(code="village_month")
    period = containing("month", clock.today()).previous()
    area = Area.objects.get(code=area_prefix.ljust(12, "0"))
    started = time.perf_counter()
    for row in reporting_bench._county_month(ctx, form, period, area):
        ctx.log(f"province: month report of {area.name} measured in {time.perf_counter() - started:.0f} s")
        yield {**row, "measure": "month_report", "area": area.code}


def database_size() -> int:
    """Bytes of the database (PostgreSQL), for the record beside the figures."""
    if connection.vendor != "postgresql":
        return 0
    return int(registry_bench._raw("SELECT pg_database_size(current_database())", [])[0][0])
