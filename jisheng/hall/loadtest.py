"""HTTP load test on loopback against `jisheng serve`: 50 clients for 60 s, a mix of portal status
look-ups, staff work-queue views and case transitions (one-time notice, then re-submission).

Bounded: the server is started here, the clients stop at the deadline and the server is stopped by its
own process id. Sessions are made directly in the database (no password hashing in the measured loop).
"""

from __future__ import annotations

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

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from jisheng.core.bench import percentiles

PORTAL_SESSION_KEY = "hall_portal_cases"


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


def _portal_session(numbers: list[str]) -> str:
    store = SessionStore()
    store[PORTAL_SESSION_KEY] = numbers
    store.create()
    return str(store.session_key)


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
        portal_cookie = f"{settings.SESSION_COOKIE_NAME}={_portal_session(numbers)}"
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
