"""The soak: a mixed load of signed-in staff against a running Jisheng for some minutes, reporting per
minute the requests, errors, latency (p50/p95) and the server's memory, and at the end the drift.

Each client signs in (a demo account without a second factor by default), reads the pages its
navigation offers and the API's person list, in turn, as fast as answers come. The server's memory is
the resident size of the process tree under ``--pid`` (``jisheng serve``: gunicorn's workers, the
scheduler, the job worker), read from /proc. Run by ``scripts/soak`` (which serves the demo county)
or as ``jisheng soak --url ... --pid ...`` against a server already running.
"""

from __future__ import annotations

import http.cookiejar
import re
import statistics
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NAV_LINK = re.compile(r'<a[^>]+href="(/[a-z][^"#?]*/)"')
SKIPPED = ("/accounts/", "/i18n/", "/sysadmin/", "/audit/")


def tree_rss_bytes(root: int) -> int:
    """Resident memory of root and all its descendants (0 when /proc cannot tell)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


class Client:
    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with self.opener.open(self.base + path, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, b""
        except OSError:
            return 0, b""

    def sign_in(self, username: str, password: str) -> bool:
        self.get("/accounts/login/")
        token = next((c.value for c in self.jar if c.name == "csrftoken"), "")
        body = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token}
        ).encode()
        request = urllib.request.Request(
            self.base + "/accounts/login/", data=body, headers={"Referer": self.base + "/accounts/login/"}
        )
        try:
            with self.opener.open(request, timeout=60) as response:
                return "/accounts/login/" not in response.url
        except (urllib.error.HTTPError, OSError):
            return False


@dataclass
class Minute:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    rss_bytes: list[int] = field(default_factory=list)

    def summary(self, index: int) -> dict[str, Any]:
        ordered = sorted(self.latencies_ms) or [0.0]
        return {
            "minute": index + 1,
            "requests": len(self.latencies_ms),
            "errors": self.errors,
            "p50_ms": round(statistics.median(ordered), 1),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 1),
            "rss_mb": round(max(self.rss_bytes or [0]) / 2**20, 1),
        }


def pages_of(client: Client) -> list[str]:
    _status, home = client.get("/")
    found = sorted({link for link in NAV_LINK.findall(home.decode("utf-8", "replace"))})
    pages = ["/", *(link for link in found if not link.startswith(SKIPPED))]
    return [*pages, "/api/v1/persons?limit=20"]


def run(
    *,
    url: str,
    pid: int | None,
    minutes: float,
    clients: int,
    username: str,
    password: str,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    probe = Client(url)
    if not probe.sign_in(username, password):
        raise SystemExit(f"soak: could not sign in as {username} at {url}")
    pages = [page for page in pages_of(probe) if probe.get(page)[0] == 200]
    log(f"soak: {clients} clients for {minutes} min over {len(pages)} pages: {' '.join(pages)}")
    started = time.monotonic()
    ends = started + minutes * 60
    periods: list[Minute] = [Minute() for _ in range(max(1, int(minutes + 0.999)))]
    lock = threading.Lock()

    def period() -> Minute:
        return periods[min(len(periods) - 1, int((time.monotonic() - started) // 60))]

    def client_loop(number: int) -> None:
        client = Client(url)
        if not client.sign_in(username, password):
            with lock:
                period().errors += 1
            return
        turn = number
        while time.monotonic() < ends:
            page = pages[turn % len(pages)]
            turn += 1
            begun = time.perf_counter()
            status, _body = client.get(page)
            elapsed = (time.perf_counter() - begun) * 1000
            with lock:
                current = period()
                current.latencies_ms.append(elapsed)
                if status != 200:
                    current.errors += 1

    threads = [threading.Thread(target=client_loop, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    while time.monotonic() < ends:
        if pid:
            rss = tree_rss_bytes(pid)
            with lock:
                period().rss_bytes.append(rss)
        time.sleep(min(5.0, max(0.1, ends - time.monotonic())))
    for thread in threads:
        thread.join(90)
    rows = [minute.summary(index) for index, minute in enumerate(periods) if minute.latencies_ms]
    for row in rows:
        log(
            f"minute {row['minute']}: {row['requests']} requests, {row['errors']} errors, "
            f"p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms, server {row['rss_mb']} MB"
        )
    first, last = (rows[0], rows[-1]) if rows else ({}, {})
    return {
        "measure": "soak",
        "minutes": minutes,
        "clients": clients,
        "requests": sum(row["requests"] for row in rows),
        "errors": sum(row["errors"] for row in rows),
        "memory_growth_mb": round(last.get("rss_mb", 0) - first.get("rss_mb", 0), 1),
        "p50_drift_ms": round(last.get("p50_ms", 0) - first.get("p50_ms", 0), 1),
        "p95_drift_ms": round(last.get("p95_ms", 0) - first.get("p95_ms", 0), 1),
        "per_minute": rows,
    }
