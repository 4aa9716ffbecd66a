"""HTTP load test on loopback against `jisheng serve`: 50 clients for 60 s, a mix of portal status
look-ups, staff work-queue views and case transitions (one-time notice, then re-submission).

Bounded: the server is started here, the clients stop at the deadline and the server is stopped by its
own process id. Sessions are made directly in the database (no password hashing in the measured loop).
"""

from __future__ import annotations

import datetime
import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from jisheng.core.actor import System
from jisheng.core.bench import percentiles


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(
        default_factory=lambda: {"portal": [], "queue": [], "transition": []}
    )
    errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, ms: float, ok: bool) -> None:
        with self.lock:
            self.latencies[kind].append(ms)
            if not ok:
                self.errors += 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _staff_session(user: Any) -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return str(store.session_key)


def _portal_cookie(numbers: list[str]) -> str:
    """The cookie of a resident's browser that has proved these cases (``portal_proof``)."""
    from .portal_proof import COOKIE, cookie_value

    return f"{COOKIE}={cookie_value(numbers)}"


def _request(port: int, method: str, path: str, cookies: str, body: str = "") -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookies, "Host": f"127.0.0.1:{port}"}
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    except OSError:
        return 0
    finally:
        connection.close()


def run(
    *, clerk: Any, case_ids: list[int], numbers: list[str], clients: int = 50, seconds: float = 60.0
) -> dict[str, Any]:
    port = _free_port()
    env = {**os.environ, "JISHENG_DATA_DIR": str(settings.DATA_DIR)}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jisheng",
            "serve",
            "--port",
            str(port),
            "--workers",
            os.environ.get("JISHENG_WORKERS", "3"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while _request(port, "GET", "/healthz", "") != 200:
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("jisheng serve did not start")
            time.sleep(0.5)
        csrf = secrets.token_hex(16)  # 32 characters: Django accepts the unmasked secret in the form
        staff_cookie = (
            f"{settings.SESSION_COOKIE_NAME}={_staff_session(clerk)}; {settings.CSRF_COOKIE_NAME}={csrf}"
        )
        portal_cookie = _portal_cookie(numbers)
        results = Results()
        stop_at = time.monotonic() + seconds

        def client(index: int) -> None:
            # 6 in 10 clients are residents, 3 clerks reading the queue, 1 a clerk moving a case along.
            role = "portal" if index % 10 < 6 else ("queue" if index % 10 < 9 else "transition")
            step = 0
            case_id = case_ids[index % len(case_ids)]
            while time.monotonic() < stop_at:
                started = time.perf_counter()
                if role == "portal":
                    status = _request(
                        port, "GET", f"/portal/track/{numbers[step % len(numbers)]}/", portal_cookie
                    )
                    ok = status == 200
                elif role == "queue":
                    status = _request(port, "GET", "/hall/", staff_cookie)
                    ok = status == 200
                else:
                    action, body = (
                        ("notice", "problem=registration-form")
                        if step % 2 == 0
                        else ("resubmit", "received=registration-form")
                    )
                    status = _request(
                        port,
                        "POST",
                        f"/hall/cases/{case_id}/{action}",
                        staff_cookie,
                        f"csrfmiddlewaretoken={csrf}&{body}",
                    )
                    ok = status == 302
                results.add(role, (time.perf_counter() - started) * 1000, ok)
                step += 1

        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    total = sum(len(v) for v in results.latencies.values())
    everything = [ms for values in results.latencies.values() for ms in values]
    return {
        "requests": total,
        "throughput": round(total / seconds, 1),
        "p95_ms": percentiles(everything)["p95"] if everything else None,
        "errors": results.errors,
        "by_kind": {kind: {"n": len(v), **percentiles(v)} for kind, v in results.latencies.items() if v},
    }


# --- The hall's part of `jisheng bench --only http` (jisheng.core.httpbench): the requests of the mix.

OPEN_CASES = 100_000  # the clerk's queue is measured with this many open cases (fewer with --persons)
MIX_ROWS = 250  # cases moved along (one per client, open-loop clients included), case pages, applicants
APPLY_ITEM = "birth-registration"
HTTP_PREFIX = "SQ-HTTP-"  # the numbers of the open cases made for the HTTP benchmark
LOAD_TEST = System(job="benchmark")
APPLICANTS = 2000  # residents who apply, each once: enough for a closed-loop and an open-loop run


def _county_session(username: str = "county") -> str | None:
    """A county officer's session, second factor proven: the person search and the dashboard."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from jisheng.accounts.models import User

    user = User.objects.filter(username=username).first()
    if user is None:
        return None
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, name="default", defaults={"confirmed": True}
    )
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[DEVICE_ID_SESSION_KEY] = device.persistent_id
    store.create()
    return str(store.session_key)


def _bench_clerk() -> tuple[Any, Any, Any]:
    """The township's counter clerk of the benchmarks (the hall bench's own, when it made one)."""
    from jisheng.accounts.models import Role, User
    from jisheng.accounts.permissions import Capability, roles_for
    from jisheng.accounts.roles import ROLES_REQUIRING_TOTP
    from jisheng.areas.models import Area

    from . import services

    services.catalogue_load(by=LOAD_TEST)
    village = (
        Area.objects.filter(level=5).order_by("code").first()
        or Area.objects.filter(code__endswith="201").first()
    )
    assert village is not None, "the bench needs the area tree (jisheng demo or the registry bench)"
    township = Area.objects.get(code=village.code[:9] + "000")
    clerk, created = User.objects.get_or_create(
        username="bench-clerk", defaults={"area": township, "full_name": "压测窗口"}
    )
    if created or not clerk.roles.exists():
        # Whoever works the queue at the counter, without a second factor to prove.
        codes = (
            roles_for(Capability.HANDLE_CASES) & roles_for(Capability.WORK_AT_COUNTER)
        ) - ROLES_REQUIRING_TOTP
        clerk.roles.set(Role.objects.filter(code__in=codes))
    return clerk, village, township


def _open_cases(count: int, clerk: Any, village: Any, township: Any) -> None:
    """``count`` open cases in the clerk's township, rows rather than the service path (the measure is
    of reading and moving them): one per person and item (one open case each), never of the item the
    residents apply for in the mix. Made once; a later run finds them."""
    from jisheng.registry.queries import live_persons

    from . import queries
    from .models import Application

    have = Application.objects.filter(number__startswith=HTTP_PREFIX).count()
    if have >= count:
        _received_events()
        return
    items = list(queries.effective_items().exclude(code=APPLY_ITEM).order_by("code"))
    persons = list(live_persons().order_by("id").values_list("id", "name", "id_number")[:count])
    now = timezone.now()
    today = timezone.localdate()
    rows = []
    for index in range(have, min(count, len(items) * len(persons))):
        person_id, name, id_number = persons[index % len(persons)]
        case = Application(
            number=f"{HTTP_PREFIX}{index:07d}",
            item=items[index // len(persons)],
            area=village,
            office=township,
            person_id=person_id,
            applicant_name=name,
            applicant_id_number=id_number,
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
            Application.objects.bulk_create(rows, ignore_conflicts=True)
            rows = []
    Application.objects.bulk_create(rows, ignore_conflicts=True)
    _received_events()


def _received_events() -> None:
    """Each bench case's first line of progress, as the service path writes it when a case is received
    (the case pages of the mix show it); written for the cases that have none (made by an older bench)."""
    from .models import Application, CaseEvent

    bare = Application.objects.filter(number__startswith=HTTP_PREFIX, events__isnull=True)
    rows = [
        CaseEvent(application_id=pk, at=received, text=f"已收到网上申请，承诺 {due:%Y-%m-%d} 前办结")
        for pk, received, due in bare.values_list("pk", "received_at", "due_on").iterator(chunk_size=5000)
    ]
    CaseEvent.objects.bulk_create(rows, batch_size=5000)


def mix(ctx: Any) -> list[dict[str, Any]]:
    """Residents on the portal (guides, following their case, applying), the clerk's queue, case pages
    and transitions, the county's person search and dashboard, with fixed data: the same people, cases
    and weights on every run (the driver's choices among them are seeded)."""
    from jisheng.registry.models import Person
    from jisheng.registry.queries import live_persons

    from . import queries
    from .models import Application, ApplicationStatus, Material
    from .models.cases import OPEN_STATUSES

    count = max(1000, min(ctx.persons, OPEN_CASES))
    clerk, village, township = _bench_clerk()
    _open_cases(count, clerk, village, township)
    bench_cases = Application.objects.filter(number__startswith=HTTP_PREFIX).order_by("id")
    # The cases moved along are of one item, and the notice names one of that item's own materials: a
    # material the item does not list is refused (the view then redirects all the same, so a refusal
    # would pass for a transition).
    ready = bench_cases.filter(status=ApplicationStatus.RECEIVED, owner=clerk)
    moving_item = ready.values_list("item_id", flat=True).first()
    material = (
        Material.objects.filter(item_id=moving_item)
        .order_by("position", "id")
        .values_list("code", flat=True)
        .first()
        or "registration-form"
    )
    moving = list(ready.filter(item_id=moving_item).values_list("id", flat=True)[:MIX_ROWS])
    # The pages read, the clerk's and the resident's, are of the newest cases, which are never moved:
    # the moved rows take from the oldest, and a row moved along in every run gathers a history of
    # hundreds of notices over the runs, which no resident's case has.
    shown = list(bench_cases.exclude(id__in=moving).order_by("-id").values_list("id", "number")[:MIX_ROWS])
    case_pages = [pk for pk, _number in shown]
    numbers = [number for _pk, number in shown[:20]]
    guides = sorted(queries.effective_items().values_list("code", flat=True))
    applying = Application.objects.filter(item__code=APPLY_ITEM, status__in=OPEN_STATUSES)
    applicants = list(
        live_persons(Person.objects.exclude(id__in=applying.values("person_id")))
        .order_by("id")
        .values_list("name", "id_number")[:APPLICANTS]
    )
    csrf = secrets.token_hex(16)  # 32 characters: Django accepts the unmasked secret in the form
    cookie = settings.SESSION_COOKIE_NAME
    clerk_cookie = f"{cookie}={_staff_session(clerk)}; {settings.CSRF_COOKIE_NAME}={csrf}"
    portal_cookie = _portal_cookie(numbers)
    requests: list[dict[str, Any]] = [
        {"name": "portal.index", "weight": 8, "method": "GET", "paths": ["/portal/"], "expect": [200]},
        {
            "name": "portal.guide",
            "weight": 14,
            "method": "GET",
            "paths": [f"/portal/items/{code}/" for code in guides],
            "expect": [200],
        },
        {
            "name": "portal.case",
            "weight": 18,
            "method": "GET",
            "paths": [f"/portal/track/{number}/" for number in numbers],
            "cookie": portal_cookie,
            "expect": [200],
        },
        {
            "name": "hall.queue",
            "weight": 16,
            "method": "GET",
            "paths": ["/hall/"],
            "cookie": clerk_cookie,
            "expect": [200],
        },
        {
            "name": "hall.case",
            "weight": 16,
            "method": "GET",
            "paths": [f"/hall/cases/{pk}/" for pk in case_pages],
            "cookie": clerk_cookie,
            "expect": [200],
        },
        {
            # Each client moves its own case: a one-time notice, then the applicant's corrections received.
            "name": "hall.transition",
            "weight": 6,
            "method": "POST",
            "rows": moving,
            "steps": [
                {
                    "path": "/hall/cases/{row}/notice",
                    "form": {"csrfmiddlewaretoken": csrf, "problem": material},
                },
                {
                    "path": "/hall/cases/{row}/resubmit",
                    "form": {"csrfmiddlewaretoken": csrf, "received": material},
                },
            ],
            "cookie": clerk_cookie,
            "expect": [302],
        },
    ]
    if applicants:
        requests.append(
            {
                # A resident applies online, from an address of its own: each request a person with no
                # open case of the item yet (one open case per person and item), so each is a new case.
                "name": "portal.apply",
                "weight": 4,
                "method": "POST",
                "path": f"/portal/items/{APPLY_ITEM}/apply",
                # The form's page, which the load runs do not ask for: measured by `http.pages` alone.
                "form_page": f"/portal/items/{APPLY_ITEM}/apply",
                "forms": [
                    {
                        "csrfmiddlewaretoken": csrf,
                        "name": name,
                        "id_number": id_number,
                        "phone": "13800138000",
                    }
                    for name, id_number in applicants
                ],
                "multipart": True,
                "address": True,
                "cookie": f"{settings.CSRF_COOKIE_NAME}={csrf}",
                "expect": [302],
            }
        )
    county = _county_session()
    if county is not None:
        staff = f"{cookie}={county}; {settings.CSRF_COOKIE_NAME}={csrf}"
        surnames = sorted({name[:1] for name, _number in applicants[:MIX_ROWS]}) or ["王"]
        requests += [
            {
                "name": "registry.search_api",
                "weight": 10,
                "method": "GET",
                "paths": [f"/api/v1/persons?q={quote(name)}" for name in surnames]
                + [f"/api/v1/persons?q={quote(name)}" for name, _number in applicants[:50]],
                "cookie": staff,
                "expect": [200],
            },
            {
                "name": "reporting.dashboard",
                "weight": 8,
                "method": "GET",
                "paths": ["/reporting/dashboard/"],
                "cookie": staff,
                "expect": [200],
            },
        ]
    else:
        ctx.log("http: no demo county officer; the person search and the dashboard are left out of the mix")
    return requests
