"""Reporting measures for `jisheng bench`: the monthly county report computed from the registry (every
village, every item) and the county dashboard, whose live figures are computed at the first view and
kept until the registry changes.

The baseline of the county report is the same aggregates as one hand-written SQL statement per measure
through the driver (GROUP BY village over the same date and code ranges), so the ratio shows what the
form engine adds on top of the database's work.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from django.db import connection

from jisheng.core.actor import System
from jisheng.core.bench import BenchContext, measure, percentiles, timed

BENCHMARK = System(job="benchmark")

ORDER = 60
COUNTY = "411723000000"
REPEATS = 3
PAGE_LOADS = 20


def measures(ctx: BenchContext) -> Iterator[dict[str, Any]]:
    from jisheng.areas.models import Area

    from . import clock, services
    from .models import ReportForm
    from .periods import containing

    if not ctx.wants_any("reporting"):
        return
    county = Area.objects.filter(code=COUNTY).first()
    if county is None:
        ctx.log("reporting: no demo county, skipped")
        return
    services.forms_load(by=BENCHMARK)
    form = ReportForm.objects.get(code="village_month")
    period = containing("month", clock.today()).previous()
    if ctx.wants("reporting.county_month"):
        yield from _county_month(ctx, form, period, county)
    if ctx.wants("reporting.dashboard"):
        yield from _dashboard(ctx, form, period, county)


def _county_month(ctx: BenchContext, form: Any, period: Any, county: Any) -> Iterator[dict[str, Any]]:
    from . import compute

    spec = form.spec()
    result: dict[str, Any] = {}

    def run() -> None:
        result.update(compute.compute_tree(spec, period, county))

    seconds = min(timed(run) for _ in range(REPEATS))
    # CPU time of this process for one run: on a shared machine the wall clock also counts waiting.
    cpu_started = time.process_time()
    run()
    cpu = time.process_time() - cpu_started
    baseline = min(timed(lambda: _baseline(period, county.prefix)) for _ in range(REPEATS))
    villages = sum(1 for code in result if not code.endswith("000"))
    births = result.get(county.code, {}).get("births", 0)
    ctx.log(f"reporting: {period.key} county report, {villages} villages, {births} births")
    yield measure(
        "reporting.county_month",
        seconds,
        "s",
        round(baseline, 3),
        period=period.key,
        births_in_period=births,
        villages=villages,
        items=len(spec.items),
        cpu_s=round(cpu, 3),
    )


def _baseline(period: Any, prefix: str) -> None:
    """One SQL statement per measure, grouped by village, as a person would write them by hand."""
    from jisheng.registry.codes import MARRIED_STATUSES
    from jisheng.registry.models import Birth, Contraception, Marriage, Person, ResidencePeriod

    from .measures import _age_window

    low, high = prefix.ljust(12, "0"), prefix.ljust(12, "9")
    start, end = period.start, period.end
    oldest, youngest = _age_window(end)
    married = ",".join(f"'{status}'" for status in MARRIED_STATUSES)
    # The same planner hint as the application (see measures.unindexed): SQLite's unary + on the columns
    # of conditions that hold for most persons, so that both sides scan the person table once.
    plus = "+" if connection.vendor == "sqlite" else ""
    birth, marriage, contra = Birth._meta.db_table, Marriage._meta.db_table, Contraception._meta.db_table
    person, residence = Person._meta.db_table, ResidencePeriod._meta.db_table
    statements = [
        (
            f"SELECT area_id, sex, birth_order, has_defect, COUNT(*) FROM {birth} "
            "WHERE date BETWEEN %s AND %s AND area_id BETWEEN %s AND %s GROUP BY 1, 2, 3, 4",
            [start, end, low, high],
        ),
        (
            f"SELECT area_id, COUNT(*) FROM {marriage} WHERE date BETWEEN %s AND %s "
            "AND area_id BETWEEN %s AND %s GROUP BY 1",
            [start, end, low, high],
        ),
        (
            f"SELECT area_id, method, COUNT(*) FROM {contra} WHERE start_date BETWEEN %s AND %s "
            "AND area_id BETWEEN %s AND %s GROUP BY 1, 2",
            [start, end, low, high],
        ),
        (
            f"SELECT {plus}residence_area_id, sex, COUNT(*) FROM {person} WHERE {plus}death_date BETWEEN %s AND %s "
            f"AND {plus}residence_area_id BETWEEN %s AND %s GROUP BY 1, 2",
            [start, end, low, high],
        ),
        (
            f"SELECT r.area_code, COUNT(*) FROM {residence} r JOIN {person} p ON p.id = r.person_id "
            "WHERE r.start_date BETWEEN %s AND %s AND r.start_date <> p.birth_date "
            "AND r.area_code BETWEEN %s AND %s GROUP BY 1",
            [start, end, low, high],
        ),
        (
            f"SELECT area_code, COUNT(*) FROM {residence} WHERE end_date BETWEEN %s AND %s "
            "AND area_code BETWEEN %s AND %s GROUP BY 1",
            [start, end, low, high],
        ),
        (
            f"SELECT {plus}residence_area_id, COUNT(*) FROM {person} WHERE sex = '2' "
            f"AND marital_status IN ({married}) AND {plus}birth_date BETWEEN %s AND %s "
            f"AND status IN ('alive', 'away') AND {plus}residence_area_id BETWEEN %s AND %s GROUP BY 1",
            [oldest, youngest, low, high],
        ),
        (
            f"SELECT c.area_id, COUNT(DISTINCT c.person_id) FROM {contra} c JOIN {person} p ON p.id = c.person_id "
            "WHERE c.start_date <= %s AND (c.end_date IS NULL OR c.end_date > %s) AND p.sex = '2' "
            f"AND p.marital_status IN ({married}) AND p.birth_date BETWEEN %s AND %s "
            "AND p.status IN ('alive', 'away') AND c.area_id BETWEEN %s AND %s GROUP BY 1",
            [end, end, oldest, youngest, low, high],
        ),
    ]
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            cursor.fetchall()


def _dashboard(ctx: BenchContext, form: Any, period: Any, county: Any) -> Iterator[dict[str, Any]]:
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from jisheng.accounts.models import User

    from . import live

    user = User.objects.filter(username="county").first()
    if user is None:
        ctx.log("reporting: no demo county account, dashboard skipped")
        return
    live.clear()
    client = Client()
    client.force_login(user)
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, name="default", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    url = f"/reporting/dashboard/?period={period.key}"
    started = time.perf_counter()
    assert client.get(url).status_code == 200
    first = (time.perf_counter() - started) * 1000
    ctx.log(f"reporting: first dashboard view (live figures computed) {first:.0f} ms")
    samples = []
    for _ in range(PAGE_LOADS):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    stats = percentiles(samples)
    yield measure(
        "reporting.dashboard",
        stats["p50"],
        "ms",
        None,
        p95=stats["p95"],
        requests=PAGE_LOADS,
        first_view_ms=round(first),
        period=period.key,
    )
