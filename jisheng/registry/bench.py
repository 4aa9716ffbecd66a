"""Registry measures for `jisheng bench`: generate the county, import 100,000 rows from .xlsx, search
(by ID, last digits, name prefix, pinyin initials), open a person file, export 10,000 rows.

Each measure goes through the code the pages use (person_search, the person view, the import engine,
the exporter) and stands beside a baseline doing the same work as one hand-written SQL statement
through the driver, so the ratio shows what the application adds.
"""

from __future__ import annotations

import datetime
import io
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from openpyxl import Workbook
from stdnum.cn import ric

from jisheng.core.actor import System
from jisheng.core.bench import BenchContext, measure, percentiles

from .models import Person
from .models.people import id_tail_index

BENCHMARK = System(job="benchmark")

ORDER = 10
QUERIES = 200
IMPORT_ROWS = 100_000  # at one million persons; a tenth of the county for smaller runs
IMPORT_RUNS = 3
EXPORT_ROWS = 10_000
# Imported bench rows carry IDs of 郑州市中原区 (410102), so they can be removed afterwards.
IMPORT_ID_PREFIX = "410102"
IMPORT_VILLAGE = "411723101201"  # where the bench imports its rows


def measures(ctx: BenchContext) -> Iterator[dict[str, Any]]:
    if not ctx.needs_county():
        return
    yield from _ensure_county(ctx)
    user = _county_user()
    rng = random.Random(ctx.seed)
    if ctx.wants("import"):
        yield from _import(ctx)
    # Only when named (or in a full run): `--only import` means the import's speed, not this.
    if not ctx.only or any(name.startswith("import_peak") for name in ctx.only):
        yield from _import_peak_memory(ctx)
    if ctx.wants_any("search"):
        yield from _searches(ctx, user, rng)
    if ctx.wants("person_file"):
        yield from _person_file(user, rng)
    if ctx.wants("export"):
        yield from _export(user)


def _ensure_county(ctx: BenchContext) -> Iterator[dict[str, Any]]:
    from jisheng.accounts import demo as accounts_demo
    from jisheng.areas import demo as areas_demo

    from . import demo

    quiet = io.StringIO()
    areas_demo.populate(persons=ctx.persons, seed=ctx.seed, out=quiet)
    accounts_demo.populate(persons=ctx.persons, seed=ctx.seed, out=quiet)
    if demo.county_person_count() >= ctx.persons:
        ctx.log(f"registry: county of {ctx.persons:,} persons already there, generation skipped")
        return
    started = time.perf_counter()
    demo.populate(persons=ctx.persons, seed=ctx.seed, out=_Log(ctx.log))
    elapsed = time.perf_counter() - started
    if ctx.wants("generate"):
        yield measure("generate", elapsed, "s", None)


class _Log:
    def __init__(self, log: Callable[[str], None]) -> None:
        self.log = log

    def write(self, text: str) -> None:
        self.log(text)


def _county_user() -> Any:
    from jisheng.accounts.models import User

    return User.objects.get(username="county")


def _timed_ms(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def _raw(sql: str, params: list[Any]) -> list[Any]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# ---- import -------------------------------------------------------------------------------------


def import_rows_for(persons: int) -> int:
    return min(IMPORT_ROWS, max(100, persons // 10))


def _import_file(path: Path, village: str, rows: int) -> set[str]:
    rng = random.Random(99)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("人口")
    sheet.append(["姓名", "身份证号", "性别", "出生日期", "联系电话", "村代码", "地址"])
    used: set[str] = set()
    while len(used) < rows:
        birth = datetime.date(1984, 1, 1) + datetime.timedelta(days=rng.randint(0, 14000))
        seq = rng.randint(1, 999)
        body = f"{IMPORT_ID_PREFIX}{birth:%Y%m%d}{seq:03d}"
        number = body + ric.calc_check_digit(body + "0")
        if number in used:
            continue
        used.add(number)
        sex = "男" if seq % 2 else "女"
        name = (
            rng.choice("王李张刘陈杨赵黄周吴") + rng.choice("伟芳娜敏静丽强磊军洋") + rng.choice("华明英兰平")
        )
        sheet.append([name, number, sex, f"{birth.year}年{birth.month}月{birth.day}日", "", village, "1组"])
    book.save(path)
    return used


def _remove_imported(numbers: set[str], county: str) -> None:
    """Raw deletes: the ORM's delete would load and history-record 100,000 persons one by one. The
    ID column is sealed: the rows are found by the sealed forms of the file's numbers, in the
    county they were imported into (on PostgreSQL its partitions alone: looking the numbers up in
    every county's partitions took minutes at five million persons)."""
    sealed = [_sealed_id(number) for number in sorted(numbers)]
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(sealed), 500):
            chunk = sealed[start : start + 500]
            placeholders = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT id FROM registry_person WHERE county_code = %s AND id_number IN ({placeholders})",
                [county, *chunk],
            )
            ids = [row[0] for row in cursor.fetchall()]
            if not ids:
                continue
            in_ids = ", ".join(["%s"] * len(ids))
            cursor.execute(
                f"DELETE FROM registry_residenceperiod WHERE county_code = %s AND person_id IN ({in_ids})",
                [county, *ids],
            )
            cursor.execute(
                f"DELETE FROM registry_person WHERE county_code = %s AND id IN ({in_ids})", [county, *ids]
            )


def _sealed_id(number: str) -> str:
    return str(Person._meta.get_field("id_number").get_prep_value(number))


def _plain_id(value: str) -> str:
    return str(Person._meta.get_field("id_number").from_db_value(value, None, connection))


def _import(ctx: BenchContext) -> Iterator[dict[str, Any]]:
    """The median of IMPORT_RUNS imports of the same rows (100,000 at one million persons), each into
    the county without them: one run on this shared 2-core machine varies by ±20 %, and the median is
    what a user would see."""
    from .imports.engine import run_import

    village = IMPORT_VILLAGE
    rows = import_rows_for(ctx.persons)
    app_seconds: list[float] = []
    baseline_seconds: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench-import.xlsx"
        numbers = _import_file(path, village, rows)
        for _run in range(IMPORT_RUNS):
            _remove_imported(numbers, village[:6])
            started = time.perf_counter()
            result = run_import(path=path, kind="persons", by=BENCHMARK)
            app_seconds.append(time.perf_counter() - started)
            ctx.log(f"registry: import {result.summary()} ({app_seconds[-1]:.2f} s)")
            _remove_imported(numbers, village[:6])
            baseline_seconds.append(_baseline_import(path, village))
        _remove_imported(numbers, village[:6])
    elapsed, baseline = statistics.median(app_seconds), statistics.median(baseline_seconds)
    yield measure(
        "import_xlsx",
        result.total / elapsed,
        "rows/s",
        round(rows / baseline, 1),
        rows=rows,
        seconds=round(elapsed, 2),
        runs_seconds=[round(seconds, 2) for seconds in app_seconds],
    )


def _baseline_import(path: Path, village: str) -> float:
    """Read the same sheet and insert the same rows with one INSERT through the driver (the ID
    sealed and its last four indexed, as the table requires)."""
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    rows: list[list[Any]] = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()[1:]
    now = datetime.datetime.now(datetime.UTC)
    values: list[tuple[Any, ...]] = [
        (
            r[0],
            _sealed_id(r[1]),
            id_tail_index(r[1][-4:]),
            "1" if r[2] == "男" else "2",
            _chinese_date(r[3]),
            village,
            now,
        )
        for r in rows
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO registry_person (name, id_number, id_tail, sex, birth_date, residence_area_id, "
            "created_at, updated_at, name_pinyin, name_initials, name_pinyin_alt, name_initials_alt, "
            "ethnicity, marital_status, phone, hukou_type, registered_area_code, address, relation_to_head, "
            "status, county_code) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, '', '', NULL, NULL, '01', '90', '', '', '', '', '', 'alive', %s)",
            [(*v, v[-1], village[:6]) for v in values],
        )
    return time.perf_counter() - started


def _chinese_date(text: str) -> datetime.date:
    year, rest = text.split("年")
    month, day = rest.rstrip("日").split("月")
    return datetime.date(int(year), int(month), int(day))


# ---- search -------------------------------------------------------------------------------------


def _sample(rng: random.Random, column: str, count: int) -> list[str]:
    high = _raw("SELECT MAX(id) FROM registry_person", [])[0][0] or 1
    values: list[str] = []
    while len(values) < count:
        ids = [rng.randint(1, high) for _ in range(count)]
        placeholders = ", ".join(["%s"] * len(ids))
        values += [
            row[0]
            for row in _raw(
                f"SELECT {column} FROM registry_person WHERE id IN ({placeholders}) AND {column} <> ''", ids
            )
        ]
    return values[:count]


def _searches(ctx: BenchContext, user: Any, rng: random.Random) -> Iterator[dict[str, Any]]:

    cases = {
        # The ID column is sealed (SM4, deterministic): sampled rows are opened to get what a clerk
        # types, and the hand-written equivalent seals it (or indexes its last four) as the app does.
        "search_id": (
            [_plain_id(v) for v in _sample(rng, "id_number", QUERIES)],
            "id_number = %s",
            _sealed_id,
        ),
        "search_id_last4": (
            [_plain_id(v)[-4:] for v in _sample(rng, "id_number", QUERIES)],
            "id_tail = %s",
            id_tail_index,
        ),
        "search_name_prefix": (
            [v[:2] for v in _sample(rng, "name", QUERIES)],
            "name >= %s AND name < %s",
            lambda v: v,
        ),
        "search_initials": (
            [v[:3] for v in _sample(rng, "name_initials", QUERIES)],
            "name_initials >= %s AND name_initials < %s",
            lambda v: v,
        ),
    }
    scope = (user.area.prefix.ljust(12, "0"), user.area.prefix.ljust(12, "9"))
    for name, (queries, where, to_column) in cases.items():
        if not ctx.wants(name):
            continue
        app = [_timed_ms(partial(_search_once, user, q)) for q in queries]
        raw = [_timed_ms(partial(_raw_search, where, to_column(q), scope)) for q in queries]
        app_p, raw_p = percentiles(app), percentiles(raw)
        yield measure(f"{name}_p50", app_p["p50"], "ms", raw_p["p50"], queries=len(queries))
        yield measure(f"{name}_p95", app_p["p95"], "ms", raw_p["p95"], queries=len(queries))


def _search_once(user: Any, q: str) -> None:
    from .queries import SearchCriteria, person_search

    person_search(user, SearchCriteria(q=q))


def _raw_search(where: str, value: str, scope: tuple[str, str]) -> list[Any]:
    """The hand-written equivalent: the same index condition, the area range, LIMIT 50."""
    sql = (
        "SELECT id, name, id_number, sex, birth_date, residence_area_id, status FROM registry_person "
        f"WHERE id IN (SELECT id FROM registry_person WHERE {where}) "
        "AND residence_area_id BETWEEN %s AND %s LIMIT 50"
    )
    if "%s AND" in where:
        return _raw(sql, [value, value[:-1] + chr(ord(value[-1]) + 1), *scope])
    return _raw(sql, [value, *scope])


# ---- person file and export ---------------------------------------------------------------------


def _person_file(user: Any, rng: random.Random) -> Iterator[dict[str, Any]]:
    ids = [int(v) for v in _sample(rng, "CAST(id AS TEXT)", 50)] if connection.vendor == "sqlite" else None
    if ids is None:
        ids = [int(v) for v in _sample(rng, "id::text", 50)]
    yield from person_file_measures(user, ids)


FILE_SQL = (
    "SELECT p.*, (SELECT COUNT(*) FROM registry_birth b WHERE b.mother_id = p.id), "
    "(SELECT COUNT(*) FROM registry_marriage m WHERE m.wife_id = p.id OR m.husband_id = p.id) "
    "FROM registry_person p WHERE p.id = %s"
)


def person_file_measures(user: Any, ids: list[int]) -> Iterator[dict[str, Any]]:
    """The person file (the view a clerk opens) of each of ``ids`` as ``user``, and the bare statement
    beside it, each file read twice: the figures are the second reading's, both the page and the
    statement meeting the same cache; the first reading's are given beside them (``first_p50``,
    ``first_p95``) — in it the page read each file's rows from disk and compiled its statements, and
    the statement, run after it, found them in memory."""
    from django.test import RequestFactory

    from . import views

    factory = RequestFactory()
    user.is_verified = lambda: True  # what django-otp's middleware sets on a verified session

    def open_file(pk: int) -> None:
        request = factory.get(f"/registry/persons/{pk}/")
        request.user = user
        request.session = {}  # type: ignore[assignment]
        response = views.person_detail(request, pk=pk)
        assert response.status_code == 200

    readings = []
    for _reading in range(2):
        app = [_timed_ms(partial(open_file, pk)) for pk in ids]
        raw = [_timed_ms(partial(_raw, FILE_SQL, [pk])) for pk in ids]
        readings.append((percentiles(app), percentiles(raw)))
    (first_app, first_raw), (app_p, raw_p) = readings
    for name in ("p50", "p95"):
        yield measure(
            f"person_file_{name}",
            app_p[name],
            "ms",
            raw_p[name],
            files=len(ids),
            first_reading=first_app[name],
            first_reading_baseline=first_raw[name],
        )


def _export(user: Any) -> Iterator[dict[str, Any]]:
    from .exports import COLUMNS, write_persons_xlsx
    from .queries import SearchCriteria, person_search_queryset

    criteria = SearchCriteria(area_code="411723101000")
    started = time.perf_counter()
    rows = person_search_queryset(user, criteria).order_by("residence_area_id", "id").values_list(*COLUMNS)
    count = write_persons_xlsx(rows[:EXPORT_ROWS].iterator(chunk_size=5000), io.BytesIO())
    elapsed = time.perf_counter() - started
    started = time.perf_counter()
    _raw(
        "SELECT p.name, p.id_number, p.sex, p.birth_date, p.marital_status, p.phone, h.number, p.residence_area_id, "
        "p.address, p.status FROM registry_person p LEFT JOIN registry_household h ON h.id = p.household_id "
        "WHERE p.residence_area_id BETWEEN %s AND %s AND p.merged_into_id IS NULL "
        "ORDER BY p.residence_area_id, p.id LIMIT %s",
        ["411723101000", "411723101999", EXPORT_ROWS],
    )
    baseline = time.perf_counter() - started
    yield measure("export_xlsx_10k", elapsed, "s", round(baseline, 3), rows=count)


def _import_peak_memory(ctx: BenchContext) -> Iterator[dict[str, Any]]:
    """Peak resident memory of a web import as it runs: the upload parsed in the memory-limited child,
    then the check and the commit each run by a `jisheng worker --batch` process (its own peak, from
    wait4). At a million persons the file has the most rows an import allows (imports.guard.MAX_ROWS);
    smaller counties scale it down as the import measure does, times two."""
    import os
    import subprocess
    import sys

    from django.conf import settings

    from .imports import jobs as import_jobs
    from .imports.guard import MAX_ROWS
    from .models import ImportJob
    from .services import import_job_create, import_job_update

    rows = MAX_ROWS if ctx.persons >= 1_000_000 else min(MAX_ROWS, 2 * import_rows_for(ctx.persons))
    user = _county_user()
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    job = import_job_create(kind="persons", file_name="bench-peak.xlsx", by=user)
    stored = folder / f"{job.pk}.xlsx"
    numbers = _import_file(stored, IMPORT_VILLAGE, rows)
    _remove_imported(numbers, IMPORT_VILLAGE[:6])
    reason, read_peak = import_jobs.read_upload(job, stored)
    if reason:
        raise RuntimeError(reason)
    yield measure(
        "import_peak_memory_read", round(read_peak / 2**20, 1), "MB", None, rows=rows,
        file_mb=round(stored.stat().st_size / 2**20, 1),
    )  # fmt: skip
    for step, status, dry_run in (("check", ImportJob.Status.CHECKING, True), ("commit", None, False)):
        job.refresh_from_db()
        import_job_update(job=job, all_or_nothing=False, status=status or ImportJob.Status.IMPORTING)
        import_jobs.launch(job, user_pk=user.pk, dry_run=dry_run)
        connection.close()  # SQLite: the worker writes while this process waits
        started = time.perf_counter()
        worker = subprocess.Popen([sys.executable, "-m", "jisheng", "worker", "--batch", "--interval", "0"])
        _pid, _status, usage = os.wait4(worker.pid, 0)
        elapsed = time.perf_counter() - started
        job.refresh_from_db()
        ctx.log(f"registry: import peak memory, {step}: {job.status} {job.message} ({elapsed:.1f} s)")
        yield measure(
            f"import_peak_memory_{step}", round(usage.ru_maxrss / 1024, 1), "MB", None, rows=rows,
            seconds=round(elapsed, 1), status=job.status,
        )  # fmt: skip
    _remove_imported(numbers, IMPORT_VILLAGE[:6])
