"""`jisheng bench` measures of outreach over a year of a county's work: 200,000 visits, 100,000
screenings and 50,000 supply movements at a million residents (scaled down with ``ctx.persons``).

Measured: a village's list pages (visits, health services, supplies) and a household's outreach file,
p95 in ms through the test client; the county's screening rates for a month, beside the same counts as
two bare SQL statements.
"""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Iterator
from typing import Any

from django.db import connection
from django.test import Client
from django.utils import timezone

from jisheng.core.actor import System
from jisheng.core.bench import BenchContext, measure, percentiles, timed

BENCHMARK = System(job="benchmark")
ORDER = 56
SAMPLES = 40
FULL = 1_000_000  # residents at which a county has the full year of outreach
VISITS, SCREENINGS, MOVEMENTS = 200_000, 100_000, 50_000
CLIENT_PREFIX = "bench-"


def _scaled(full: int, persons: int) -> int:
    return max(200, int(full * min(1.0, persons / FULL)))


def _setup(ctx: BenchContext) -> dict[str, Any]:
    """Bulk-made rows (the services are exercised by the tests; here only the reads are measured)."""
    from jisheng.accounts.models import Role, User
    from jisheng.accounts.roles import RoleCode
    from jisheng.areas.models import Area, Level
    from jisheng.outreach.models import Screening, StockMovement, SupplyItem, Visit
    from jisheng.registry.models import Household, Person

    villages = list(Area.objects.filter(level=Level.VILLAGE).order_by("code").values_list("code", flat=True))
    assert villages, "the bench needs the area tree (jisheng demo or the registry bench)"
    county = villages[0][:6].ljust(12, "0")
    village = villages[0]
    officer, _ = User.objects.get_or_create(
        username="bench-outreach", defaults={"area_id": village, "full_name": "压测专干"}
    )
    officer.roles.set(Role.objects.filter(code=RoleCode.VILLAGE_OFFICER))
    households = list(Household.objects.filter(area_id__in=villages).values_list("pk", "area_id")[:20_000])
    if not households:
        Household.objects.bulk_create(
            [Household(number=f"BENCH{code}{n:03d}", area_id=code) for code in villages for n in range(5)]
        )
        households = list(Household.objects.filter(area_id__in=villages).values_list("pk", "area_id"))
    women = list(
        Person.objects.filter(sex="2", residence_area_id__in=villages).values_list("pk", "residence_area_id")[
            :50_000
        ]
    )
    assert women, "the bench needs residents (the registry bench makes them)"
    rng = random.Random(ctx.seed)
    today = timezone.localdate()
    year_start = today - datetime.timedelta(days=365)

    def day() -> datetime.date:
        return year_start + datetime.timedelta(days=rng.randint(0, 364))

    want = _scaled(VISITS, ctx.persons)
    have = Visit.objects.filter(client_id__startswith=CLIENT_PREFIX).count()
    rows: list[Visit] = []
    for index in range(have, want):
        pk, area = households[index % len(households)]
        rows.append(
            Visit(
                household_id=pk,
                area_id=area,
                visited_on=day(),
                visitors="压测",
                met="户主",
                asked="诉求" if index % 5 == 0 else "",
                client_id=f"{CLIENT_PREFIX}{index}",
            )
        )
        if len(rows) == 5000:
            Visit.objects.bulk_create(rows)
            rows = []
    Visit.objects.bulk_create(rows)

    want = _scaled(SCREENINGS, ctx.persons)
    have = Screening.objects.filter(recorded_by__isnull=True, area_id__in=villages).count()
    screenings: list[Screening] = []
    for index in range(have, want):
        pk, area = women[index % len(women)]
        invited = day()
        screened = invited + datetime.timedelta(days=7) if index % 10 else None
        screenings.append(
            Screening(
                woman_id=pk,
                area_id=area,
                kind="cervical" if index % 2 else "breast",
                invited_on=invited,
                screened_on=screened if screened and screened <= today else None,
                result="normal" if screened else "",
            )
        )
        if len(screenings) == 5000:
            Screening.objects.bulk_create(screenings)
            screenings = []
    Screening.objects.bulk_create(screenings)

    item, _ = SupplyItem.objects.get_or_create(
        code="bench-pill", defaults={"name": "压测药具", "kind": "contraceptive"}
    )
    want = _scaled(MOVEMENTS, ctx.persons)
    have = StockMovement.objects.filter(item=item).count()
    movements: list[StockMovement] = []
    for index in range(have, want):
        pk, area = women[index % len(women)]
        movements.append(
            StockMovement(
                area_id=area, item=item, kind="handout_person", quantity=-1, moved_on=day(), person_id=pk
            )
        )
        if len(movements) == 5000:
            StockMovement.objects.bulk_create(movements)
            movements = []
    StockMovement.objects.bulk_create(movements)
    busiest = Visit.objects.filter(area_id=village).order_by().values("household_id").first() or {
        "household_id": households[0][0]
    }
    return {"officer": officer, "county": county, "household": busiest["household_id"], "village": village}


def _p95(fn: Any) -> dict[str, float]:
    return percentiles([timed(fn) * 1000 for _ in range(SAMPLES)])


def measures(ctx: BenchContext) -> Iterator[dict[str, Any]]:
    from jisheng.outreach import queries
    from jisheng.outreach.models import Screening

    if not ctx.wants_any("outreach"):
        return
    started = time.perf_counter()
    setup = _setup(ctx)
    ctx.log(f"outreach: a year of outreach ready in {time.perf_counter() - started:.1f}s")
    client = Client()
    client.force_login(setup["officer"])
    pages = {
        "outreach.visits_page_p95": "/outreach/visits/",
        "outreach.health_page_p95": "/outreach/health/?kind=screening",
        "outreach.supplies_page_p95": "/outreach/supplies/",
        "outreach.household_file_p95": f"/outreach/households/{setup['household']}/",
    }
    for name, url in pages.items():
        if not ctx.wants(name):
            continue
        assert client.get(url).status_code == 200, url
        stats = _p95(lambda url=url: client.get(url))
        yield measure(name, stats["p95"], "ms", None, p50=stats["p50"])

    if ctx.wants("outreach.county_screening_rates"):
        today = timezone.localdate()
        start = today.replace(day=1) - datetime.timedelta(days=1)
        start = start.replace(day=1)
        end = today.replace(day=1) - datetime.timedelta(days=1)
        prefix = setup["county"][:6]

        def sql() -> None:
            with connection.cursor() as cursor:
                low, high = prefix.ljust(12, "0"), prefix.ljust(12, "9")
                cursor.execute(
                    "SELECT COUNT(*) FROM outreach_screening WHERE area_id BETWEEN %s AND %s "
                    "AND invited_on BETWEEN %s AND %s",
                    [low, high, start, end],
                )
                cursor.fetchall()
                # the result column is sealed: the value compared with is sealed the same way
                normal = Screening._meta.get_field("result").get_prep_value("normal")
                cursor.execute(
                    "SELECT COUNT(*), SUM(CASE WHEN result NOT IN ('', %s) THEN 1 ELSE 0 END) "
                    "FROM outreach_screening WHERE area_id BETWEEN %s AND %s "
                    "AND screened_on BETWEEN %s AND %s",
                    [normal, low, high, start, end],
                )
                cursor.fetchall()

        seconds = timed(lambda: queries.screening_rates(prefix, start, end))
        yield measure(
            "outreach.county_screening_rates",
            seconds,
            "s",
            round(timed(sql), 4),
            **{k: v for k, v in queries.screening_rates(prefix, start, end).items() if k != "rate"},
        )
