"""`jisheng bench` measures of eligibility: one programme over the whole county (ctx.persons people).

The engine (SQL coarse filter, then the precise rules in Python with births loaded in bulk) is timed
beside a baseline: the same selection written as one SQL statement through the driver. The baseline
only selects: the engine also decides each candidate, computes the amount and writes the reasons in
Chinese (nothing is written to the database; a run's proposals are kept by the services).
"""

from __future__ import annotations

import datetime
import statistics
import time
from collections.abc import Iterator
from typing import Any

from django.db import connection

from jisheng.core.bench import BenchContext, measure

from . import engine
from .rules import get_programme

ORDER = 50
COUNTY = "411723000000"
YEAR = 2025
RUNS = 3


def _baseline_childcare() -> int:
    # under_age_months(3) for 2025 and status alive/away, over the county's code range
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, name, id_number, birth_date FROM registry_person "
            "WHERE residence_area_id BETWEEN %s AND %s AND status IN ('alive', 'away') "
            "AND birth_date >= %s AND birth_date <= %s",
            ["411723000000", "411723999999", datetime.date(YEAR - 3, 2, 1), datetime.date(YEAR, 12, 31)],
        )
        return len(cursor.fetchall())


def _baseline_rural_reward() -> int:
    # agricultural hukou, 60 or over at the end of the year, one child, two daughters or no living child
    sql = """
        SELECT p.id, p.name, p.id_number FROM registry_person p
        JOIN (
            SELECT parent_id, COUNT(*) AS n,
                   SUM(CASE WHEN sex = '2' THEN 1 ELSE 0 END) AS girls,
                   SUM(CASE WHEN dead = 1 THEN 1 ELSE 0 END) AS dead
            FROM (
                SELECT b.mother_id AS parent_id, b.sex, CASE WHEN c.status = 'dead' THEN 1 ELSE 0 END AS dead
                FROM registry_birth b LEFT JOIN registry_person c ON c.id = b.child_id
                WHERE b.date <= %s
                UNION ALL
                SELECT b.father_id, b.sex, CASE WHEN c.status = 'dead' THEN 1 ELSE 0 END
                FROM registry_birth b LEFT JOIN registry_person c ON c.id = b.child_id
                WHERE b.father_id IS NOT NULL AND b.date <= %s
            ) kids GROUP BY parent_id
        ) k ON k.parent_id = p.id
        WHERE p.residence_area_id BETWEEN %s AND %s AND p.status IN ('alive', 'away')
          AND p.hukou_type = 'agri' AND p.birth_date <= %s
          AND (k.n = 1 OR (k.n = 2 AND k.girls = 2) OR (k.dead > 0 AND k.dead = k.n))
    """
    end = datetime.date(YEAR, 12, 31)
    with connection.cursor() as cursor:
        cursor.execute(sql, [end, end, "411723000000", "411723999999", datetime.date(YEAR - 60, 12, 31)])
        return len(cursor.fetchall())


def measures(ctx: BenchContext) -> Iterator[dict[str, Any]]:
    for programme_id, baseline in (
        ("childcare_subsidy", _baseline_childcare),
        ("rural_reward", _baseline_rural_reward),
    ):
        name = f"benefits.eligibility.{programme_id}"
        if not ctx.wants(name):
            continue
        programme = get_programme(programme_id)
        # The median of RUNS runs of each, taken in turn: a single run of a statement of 30–60 ms
        # measured anything from one to two times its median on the same idle machine.
        runs, base_runs = [], []
        for _run in range(RUNS):
            started = time.perf_counter()
            result = engine.run(programme, YEAR, COUNTY)
            runs.append(time.perf_counter() - started)
            started = time.perf_counter()
            base_rows = baseline()
            base_runs.append(time.perf_counter() - started)
        seconds, base_seconds = statistics.median(runs), statistics.median(base_runs)
        ctx.log(
            f"{name}: {len(result.proposals)} proposed of {result.candidates} candidates in {seconds:.2f} s; baseline {base_rows} rows in {base_seconds:.2f} s (medians of {RUNS})"
        )
        yield measure(
            name,
            seconds,
            "s",
            round(base_seconds, 3),
            year=YEAR,
            proposed=len(result.proposals),
            candidates=result.candidates,
            baseline_rows=base_rows,
            total_yuan=f"{result.total:.2f}",
            runs_seconds=[round(r, 3) for r in runs],
            baseline_runs_seconds=[round(r, 3) for r in base_runs],
        )
