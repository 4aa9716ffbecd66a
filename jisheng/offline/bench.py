"""Offline capture measures for `jisheng bench`: a village of 3,000 persons downloaded from scratch
(target 10 s on loopback) and an incremental sync with no changes (target 0.5 s), each through the API
the phone calls (``POST /api/v1/offline/sync``), beside a baseline reading the same rows with one SQL
statement through the driver.

``offline.phone_sync_full`` measures the phone's side of the same download: the app opened in headless
Chromium (Debian's package, driven by Playwright; skipped with a note when either is missing) against a
server in this process on loopback, from an empty IndexedDB to the village downloaded, stored in one
transaction and read back for the local search (``body[data-synced]``).

The village is the bench's own (``BENCH_VILLAGE`` under the first township), filled once with 3,000
persons in 750 households; the phone's officer is ``bench-offline``.
"""

from __future__ import annotations

import datetime
import json
import os
import random
import shutil
import threading
import time
from collections.abc import Iterator
from typing import Any

from django.db import connection, transaction
from django.test import Client
from stdnum.cn import ric

from jisheng.core.bench import BenchContext, measure, percentiles

ORDER = 90
PERSONS = 3_000
HOUSEHOLD_SIZE = 4
RUNS = 5
PHONE_RUNS = 3
CHROMIUM = os.environ.get("JISHENG_CHROMIUM", "/usr/bin/chromium")


def _village() -> Any:
    from jisheng.areas.models import Area, Level

    township = Area.objects.filter(level=Level.TOWNSHIP).order_by("code").first()
    assert township is not None, "the bench needs the area tree (the registry bench makes it)"
    code = township.code[:9] + "998"
    village, _created = Area.objects.get_or_create(
        code=code, defaults={"name": "离线压测村", "level": Level.VILLAGE, "parent": township}
    )
    return village


def _id_number(birth: datetime.date, sex: str, n: int) -> str:
    """A valid ID number (GB 11643 check digit) of an area code no generated county uses."""
    body = f"410199{birth:%Y%m%d}{(n % 500) * 2 + (1 if sex == '1' else 0):03d}"
    return body + ric.calc_check_digit(body + "0")


def _setup(ctx: BenchContext) -> dict[str, Any]:
    from jisheng.accounts.models import Role, User
    from jisheng.accounts.roles import RoleCode
    from jisheng.registry.models import Household, Person

    village = _village()
    officer, _created = User.objects.get_or_create(
        username="bench-offline", defaults={"area_id": village.code, "full_name": "离线压测专干"}
    )
    officer.roles.set(Role.objects.filter(code=RoleCode.VILLAGE_OFFICER))
    have = Person.objects.filter(residence_area_id=village.code).count()
    if have < PERSONS:
        rng = random.Random(ctx.seed)
        surnames, given = "王李张刘陈杨黄赵吴周", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
        with transaction.atomic():
            households = Household.objects.bulk_create(
                Household(number=f"OFFBENCH{village.code}{n:04d}", area_id=village.code, address=f"{n}号")
                for n in range(PERSONS // HOUSEHOLD_SIZE)
            )
            people = []
            for n in range(have, PERSONS):
                sex = rng.choice("12")
                # A birth date of its own for each (7 and 30,000 are coprime): the ID numbers differ.
                birth = datetime.date(1940, 1, 1) + datetime.timedelta(days=n * 7 % 30_000)
                person = Person(
                    name=rng.choice(surnames) + "".join(rng.choice(given) for _ in range(rng.choice((1, 2)))),
                    id_number=_id_number(birth, sex, n),
                    sex=sex,
                    birth_date=birth,
                    residence_area_id=village.code,
                    household=households[n // HOUSEHOLD_SIZE % len(households)],
                    phone=f"139{rng.randrange(10**8):08d}",
                    address=f"离线压测村{n // HOUSEHOLD_SIZE}号",
                )
                person.fill_search_fields()
                people.append(person)
            # Bench data, as the registry's own bench loads its county: no services, no audit events.
            Person.objects.bulk_create(people, batch_size=1000)
    return {"officer": officer, "village": village}


def _sync(client: Client, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/v1/offline/sync", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content[:200]
    return response.json()


def measures(ctx: BenchContext) -> Iterator[dict[str, Any]]:
    if not ctx.wants_any("offline"):
        return
    started = time.perf_counter()
    setup = _setup(ctx)
    ctx.log(f"offline: the bench village ready in {time.perf_counter() - started:.1f}s")
    client = Client()
    client.force_login(setup["officer"])
    first = _sync(client, {})
    count = len(first["persons"])
    known = {
        "persons": {str(p["id"]): p["v"] for p in first["persons"]},
        "households": {str(h["id"]): h["v"] for h in first["households"]},
    }
    size = len(json.dumps(first, ensure_ascii=False).encode())

    def baseline() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, name, id_number, sex, birth_date, phone, address, household_id, status "
                "FROM registry_person WHERE residence_area_id = %s AND merged_into_id IS NULL",
                [setup["village"].code],
            )
            cursor.fetchall()

    if ctx.wants("offline.sync_full"):
        samples = []
        for _ in range(RUNS):
            t0 = time.perf_counter()
            _sync(client, {})
            samples.append((time.perf_counter() - t0) * 1000)
        base = []
        for _ in range(RUNS):
            t0 = time.perf_counter()
            baseline()
            base.append((time.perf_counter() - t0) * 1000)
        stats = percentiles(samples)
        yield measure(
            "offline.sync_full",
            stats["p50"],
            "ms",
            percentiles(base)["p50"],
            p95=stats["p95"],
            village_persons=count,
            response_bytes=size,
            target_ms=10_000,
        )
    if ctx.wants("offline.phone_sync_full"):
        phone = _phone_samples(setup["officer"], count)
        if isinstance(phone, str):
            ctx.log(f"offline.phone_sync_full: skipped, {phone}")
        else:
            stats = percentiles(phone)
            yield measure(
                "offline.phone_sync_full",
                stats["p50"],
                "ms",
                None,
                p95=stats["p95"],
                village_persons=count,
                runs=len(phone),
                target_ms=10_000,
            )
    if ctx.wants("offline.sync_unchanged"):
        samples = []
        for _ in range(RUNS * 4):
            t0 = time.perf_counter()
            answer = _sync(client, {"cursor": first["cursor"], "known": known})
            samples.append((time.perf_counter() - t0) * 1000)
            assert answer["unchanged"], "nothing changed, yet the sync sent records"
        stats = percentiles(samples)
        yield measure(
            "offline.sync_unchanged",
            stats["p50"],
            "ms",
            None,
            p95=stats["p95"],
            village_persons=count,
            target_ms=500,
        )


class _LoopbackServer:
    """This process's Django on a free loopback port, static files included (as ``runserver`` serves
    them), for the browser to talk to; the same database as the bench."""

    def __enter__(self) -> str:
        from django.contrib.staticfiles.handlers import StaticFilesHandler
        from django.core.handlers.wsgi import WSGIHandler
        from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

        class Quiet(WSGIRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = ThreadedWSGIServer(("127.0.0.1", 0), Quiet, allow_reuse_address=False)
        self.server.set_app(StaticFilesHandler(WSGIHandler()))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def _phone_samples(officer: Any, persons: int) -> list[float] | str:
    """Milliseconds from opening the app with an empty IndexedDB to the village on the phone, one
    fresh browser profile per run; or why it could not be measured."""
    if not (shutil.which(CHROMIUM) or os.path.exists(CHROMIUM)):
        return f"no Chromium at {CHROMIUM}"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return "Playwright is not installed (the dev extra)"
    from django.conf import settings

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop runs in this thread
    client = Client()
    client.force_login(officer)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    samples = []
    with _LoopbackServer() as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        try:
            # One run more, not counted: the browser's and the server's first request warm them up.
            for run in range(PHONE_RUNS + 1):
                context = browser.new_context(
                    base_url=url, locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True
                )
                context.add_cookies(
                    [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": url, "httpOnly": True}]
                )
                page = context.new_page()
                page.set_default_timeout(120_000)
                t0 = time.perf_counter()
                page.goto("/offline/")
                page.wait_for_selector("body[data-synced]")
                if run:
                    samples.append((time.perf_counter() - t0) * 1000)
                held = page.evaluate(
                    """(userId) => new Promise((resolve, reject) => {
                        const open = indexedDB.open(`jisheng-offline-u${userId}`);
                        open.onsuccess = () => {
                            const count = open.result.transaction("persons").objectStore("persons").count();
                            count.onsuccess = () => resolve(count.result);
                            count.onerror = () => reject(count.error);
                        };
                        open.onerror = () => reject(open.error);
                    })""",
                    officer.pk,
                )
                assert held == persons, f"the phone holds {held} persons, the village has {persons}"
                context.close()
        finally:
            browser.close()
    return samples
