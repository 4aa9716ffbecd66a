"""Hall measures: work queue and case page p95 with many open cases, the deadline sweep, a certificate PDF.

Open cases are bulk-inserted (rows, not the service path) so that the measure is of reading and sweeping
them; their count follows ``--persons`` (100,000 persons → 100,000 open cases).
"""

from __future__ import annotations

import datetime
import os
import time
from collections.abc import Iterator
from typing import Any

from django.db import connection
from django.test import Client
from django.utils import timezone

from jisheng.core.actor import System
from jisheng.core.bench import BenchContext, measure, percentiles, timed

BENCHMARK = System(job="benchmark")

ORDER = 40
BENCH_PREFIX = "SQ-BENCH-"
SAMPLES = 60


def _setup(count: int) -> tuple[Any, list[int]]:
    from jisheng.accounts.models import Role, User
    from jisheng.accounts.roles import RoleCode
    from jisheng.areas.models import Area
    from jisheng.hall import services
    from jisheng.hall.models import Accountability, Application, ServiceItem
    from jisheng.registry.models import Person

    services.catalogue_load(by=BENCHMARK)
    village = (
        Area.objects.filter(level=5).order_by("code").first()
        or Area.objects.filter(code__endswith="201").first()
    )
    assert village is not None, "the bench needs the area tree (jisheng demo or the registry bench)"
    township = Area.objects.get(code=village.code[:9] + "000")
    clerk, _ = User.objects.get_or_create(
        username="bench-clerk", defaults={"area": township, "full_name": "压测窗口"}
    )
    clerk.roles.set(Role.objects.filter(code=RoleCode.COUNTER_CLERK))
    person = Person.objects.filter(residence_area=village).first() or Person.objects.create(
        name="压测",
        id_number="411723199001011234",
        sex="2",
        birth_date=datetime.date(1990, 1, 1),
        residence_area=village,
    )
    have = Application.objects.filter(number__startswith=BENCH_PREFIX).count()
    item = ServiceItem.objects.get(code="birth-registration")
    now = timezone.now()
    today = timezone.localdate()
    rows = []
    for index in range(have, count):
        case = Application(
            number=f"{BENCH_PREFIX}{index:07d}",
            item=item,
            area=village,
            office=township,
            # Not linked to the registry person: one person may hold one open case of an item,
            # and the queue's cost does not depend on the link.
            person=None,
            applicant_name=person.name,
            applicant_id_number=person.id_number,
            applicant_phone="13800138000",
            channel="online",
            received_at=now,
            accepted_on=today,
            time_limit=3,
            due_on=today + datetime.timedelta(days=index % 30 - 1),
            owner=clerk,
            first_receiver=clerk,
        )
        case.fill_id_tail()  # bulk_create skips save(), which keeps the ID tail index
        rows.append(case)
        if len(rows) == 5000:
            Application.objects.bulk_create(rows)
            rows = []
    Application.objects.bulk_create(rows)
    # Every run sweeps the same work: forget the warnings and records of an earlier run.
    bench_cases = Application.objects.filter(number__startswith=BENCH_PREFIX)
    Accountability.objects.filter(application__in=bench_cases).delete()
    bench_cases.update(overdue_recorded=False, warned_on=None)
    ids = list(
        Application.objects.filter(number__startswith=BENCH_PREFIX).values_list("id", flat=True)[:SAMPLES]
    )
    return clerk, ids


def _p95(fn: Any, samples: int = SAMPLES) -> dict[str, float]:
    return percentiles([timed(fn) * 1000 for _ in range(samples)])


def measures(ctx: BenchContext) -> Iterator[dict[str, Any]]:
    from jisheng.certificates import services as certificates
    from jisheng.certificates.pdf import certificate_pdf
    from jisheng.hall import services

    if not ctx.wants_any("hall"):
        return
    count = max(1000, ctx.persons)
    started = time.perf_counter()
    clerk, ids = _setup(count)
    ctx.log(f"hall: {count} open cases ready in {time.perf_counter() - started:.1f}s")
    client = Client()
    client.force_login(clerk)

    def sql_queue() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT a.id, a.number, a.applicant_name, a.status, a.due_on, i.name FROM hall_application a "
                "JOIN hall_serviceitem i ON i.id = a.item_id WHERE a.owner_id = %s AND a.status = 'received' "
                "ORDER BY a.due_on, a.id LIMIT 50",
                [clerk.pk],
            )
            cursor.fetchall()

    if ctx.wants("hall.queue"):
        stats = _p95(lambda: client.get("/hall/"))
        yield measure(
            "hall.queue_page_p95",
            stats["p95"],
            "ms",
            _p95(sql_queue)["p95"],
            p50=stats["p50"],
            open_cases=count,
        )
    if ctx.wants("hall.case"):
        cycle = iter(ids * 2)
        stats = _p95(lambda: client.get(f"/hall/cases/{next(cycle)}/"))

        def sql_case() -> None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT * FROM hall_application WHERE id = %s", [ids[0]])
                cursor.fetchall()

        yield measure("hall.case_page_p95", stats["p95"], "ms", _p95(sql_case)["p95"], p50=stats["p50"])
    if ctx.wants("hall.sweep"):
        # One case in thirty is a day overdue and one in thirty has a working day left: the sweep reads
        # every open case and writes the warnings and accountability records (with their audit events).
        today = timezone.localdate()
        seconds = timed(lambda: services.deadline_sweep(today=today, by=BENCHMARK))

        def sql_sweep() -> None:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT id, owner_id, due_on FROM hall_application WHERE status IN ('received', "
                    "'awaiting_correction') AND due_on < %s",
                    [today],
                )
                cursor.fetchall()

        yield measure("hall.deadline_sweep", seconds, "s", round(timed(sql_sweep), 3), open_cases=count)
    if ctx.wants("hall.certificate"):
        from jisheng.areas.models import Area

        village = (
            Area.objects.get(code=clerk.area.code[:9] + "201")
            if Area.objects.filter(code=clerk.area.code[:9] + "201").exists()
            else clerk.area
        )
        certificate = certificates.certificate_issue(
            kind="生育服务证",
            area=village,
            issuer=clerk.area,
            holder_name="压测",
            holder_id_number="411723199001011234",
            details={},
            source_ref="bench",
            by=clerk,
        )
        certificate_pdf(certificate)  # the first PDF loads the fonts
        stats = _p95(lambda: certificate_pdf(certificate), samples=10)
        yield measure("hall.certificate_pdf_p95", stats["p95"], "ms", None, p50=stats["p50"])

    if ctx.wants("hall.http"):
        from jisheng.hall import loadtest
        from jisheng.hall.models import Application

        cases = list(
            Application.objects.filter(number__startswith=BENCH_PREFIX, status="received").order_by("id")[:5]
        )
        numbers = list(
            Application.objects.filter(number__startswith=BENCH_PREFIX).values_list("number", flat=True)[:20]
        )
        seconds = float(os.environ.get("JISHENG_LOADTEST_SECONDS", "60"))
        result = loadtest.run(clerk=clerk, case_ids=[c.pk for c in cases], numbers=numbers, seconds=seconds)
        ctx.log(f"hall: load test {result}")
        yield measure(
            "hall.http_load_throughput",
            result["throughput"],
            "req/s",
            None,
            clients=50,
            seconds=seconds,
            requests=result["requests"],
            errors=result["errors"],
            p95_ms=result["p95_ms"],
            by_kind=result["by_kind"],
        )
