"""Petitions measures: the responsible person's list and a matter page p95 with 100,000 matters in the
county, and the clock sweep over all open matters.

Matters are bulk-inserted (rows, not the service path) so that the measure is of reading and sweeping
them; their count follows ``--persons`` (100,000 persons → 100,000 matters).
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterator
from typing import Any

from django.db import connection
from django.test import Client
from django.utils import timezone

from jisheng.core.actor import System
from jisheng.core.bench import BenchContext, measure, percentiles, timed

BENCHMARK = System(job="benchmark")
ORDER = 55
BENCH_PREFIX = "XFBENCH"
SAMPLES = 60  # page requests per p95


def _setup(count: int) -> tuple[Any, list[int]]:
    from jisheng.accounts.models import Role, User
    from jisheng.accounts.roles import RoleCode
    from jisheng.areas.models import Area
    from jisheng.hall.models import Accountability
    from jisheng.petitions.models import Matter, MatterStatus, PetitionerFile

    township = Area.objects.filter(level=4).order_by("code").first()
    assert township is not None, "the bench needs the area tree (jisheng demo or the registry bench)"
    clerk, _created = User.objects.get_or_create(
        username="bench-petitions", defaults={"area": township, "full_name": "压测信访"}
    )
    clerk.roles.set(Role.objects.filter(code=RoleCode.TOWNSHIP_HEAD))
    now = timezone.now()
    today = timezone.localdate()
    file = PetitionerFile.objects.filter(area=township, name="压测信访人").first()
    if file is None:
        file = PetitionerFile.objects.create(
            area=township, kind="person", name="压测信访人", phone="13800138000", created_at=now
        )
    have = Matter.objects.filter(number__startswith=BENCH_PREFIX).count()
    statuses = [MatterStatus.RECEIVED, MatterStatus.ACCEPTED, MatterStatus.ACCEPTED, MatterStatus.REPLIED]
    rows = []
    for index in range(have, count):
        received = today - datetime.timedelta(days=index % 90)
        status = statuses[index % 4]
        accepted = received + datetime.timedelta(days=3) if status != MatterStatus.RECEIVED else None
        rows.append(
            Matter(
                number=f"{BENCH_PREFIX}{index:09d}",
                file=file,
                area=township,
                kind="petition",
                channel="visit",
                field="benefits",
                title=f"压测事项 {index}",
                facts="压测",
                status=status,
                # a tenth of the matters are the bench clerk's; the rest other people's
                responsible=clerk if index % 10 == 0 else None,
                received_on=received,
                route_due=received + datetime.timedelta(days=15),
                accept_due=received + datetime.timedelta(days=15),
                object_due=received + datetime.timedelta(days=7),
                accepted_on=accepted,
                due_on=accepted + datetime.timedelta(days=60) if accepted else None,
                created_at=now,
            )
        )
        if len(rows) == 5000:
            Matter.objects.bulk_create(rows)
            rows = []
    Matter.objects.bulk_create(rows)
    bench = Matter.objects.filter(number__startswith=BENCH_PREFIX)
    # Every run sweeps the same work: forget the warnings and records of an earlier run.
    Accountability.objects.filter(subject__startswith=f"信访 {BENCH_PREFIX}").delete()
    bench.update(overdue_recorded=False, warned_on=None)
    ids = list(bench.filter(responsible=clerk).values_list("id", flat=True)[:SAMPLES])
    return clerk, ids


def _p95(fn: Any, samples: int | None = None) -> dict[str, float]:
    return percentiles([timed(fn) * 1000 for _ in range(samples or SAMPLES)])


def measures(ctx: BenchContext) -> Iterator[dict[str, Any]]:
    from jisheng.petitions import services

    if not ctx.wants_any("petitions"):
        return
    count = max(1000, ctx.persons)
    started = time.perf_counter()
    clerk, ids = _setup(count)
    ctx.log(f"petitions: {count} matters ready in {time.perf_counter() - started:.1f}s")
    client = Client()
    client.force_login(clerk)

    def sql_list() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, number, title, status, due_on FROM petitions_matter WHERE responsible_id = %s "
                "AND status IN ('received', 'accepted', 'review_requested', 'reexam_requested') "
                "ORDER BY due_on, accept_due, id LIMIT 50",
                [clerk.pk],
            )
            cursor.fetchall()

    if ctx.wants("petitions.list"):
        stats = _p95(lambda: client.get("/petitions/"))
        yield measure(
            "petitions.list_page_p95",
            stats["p95"],
            "ms",
            _p95(sql_list)["p95"],
            p50=stats["p50"],
            matters=count,
        )
    if ctx.wants("petitions.matter"):
        cycle = iter(ids * 2)
        stats = _p95(lambda: client.get(f"/petitions/matters/{next(cycle)}/"), samples=min(SAMPLES, len(ids)))

        def sql_matter() -> None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT * FROM petitions_matter WHERE id = %s", [ids[0]])
                cursor.fetchall()

        yield measure(
            "petitions.matter_page_p95", stats["p95"], "ms", _p95(sql_matter)["p95"], p50=stats["p50"]
        )
    if ctx.wants("petitions.sweep"):
        seconds = timed(lambda: services.clock_sweep(by=BENCHMARK))
        yield measure("petitions.clock_sweep", seconds, "s", None, matters=count)
