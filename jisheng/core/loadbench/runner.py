"""Servers up, load through the driver, servers down, and the report (see the package's docstring)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

DRIVER = "jisheng.core.loadbench.driver"
BARE = "jisheng.core.loadbench.bare"


@dataclass(frozen=True)
class Load:
    users: int = 50
    seconds: float = 60.0
    warmup: float = 5.0
    seed: int = 1
    workers: int = 3
    threads: int = 4
    open_rate: float = 100.0  # requests a second offered in the open-loop run; 0 skips it
    open_seconds: float = 60.0
    open_pacing: float = 2.0  # each open-loop user starts a request every this many seconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _status(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    except OSError:
        return 0
    finally:
        connection.close()


class Server:
    """A server command in a process group of its own, stopped by that group's id (never by name)."""

    def __init__(self, command: list[str], *, port: int, env: dict[str, str] | None = None) -> None:
        self.command = command
        self.port = port
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        self.process = subprocess.Popen(
            self.command,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while _status(self.port, "/healthz") != 200:
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.__exit__()
                raise RuntimeError(f"the server did not start: {' '.join(self.command)}")
            time.sleep(0.3)
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def drive(scenario: dict[str, Any]) -> dict[str, Any]:
    """Run the locust driver on a scenario (see driver.py) and return its figures."""
    timeout = float(scenario["seconds"]) + float(scenario.get("warmup", 0)) + 120
    done = subprocess.run(
        [sys.executable, "-m", DRIVER],
        input=json.dumps(scenario),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the load driver failed: {done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def bare_scenario(setup: dict[str, Any], load: Load) -> list[dict[str, Any]]:
    cookies = [f"sessionid={key}" for key in setup["sessions"]]
    return [
        {
            "name": f"bare.page.{index}",
            "weight": 1,
            "method": "GET",
            "paths": [f"/items/{code}/" for code in setup["codes"]],
            "cookie": cookie,
            "expect": [200],
        }
        for index, cookie in enumerate(cookies)
    ]


def _collapse(result: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The bare scenario names one entry per session (each user its own cookie); report them as one."""
    result = dict(result)
    result["by_name"] = {prefix: result["total"]}
    return result


def measure_bare(load: Load, *, log: Callable[[str], None]) -> dict[str, Any]:
    setup = json.loads(_bare_command("setup", f"--sessions={min(load.users, 50)}"))
    port = free_port()
    command = [
        sys.executable,
        "-m",
        BARE,
        "serve",
        f"--port={port}",
        f"--workers={load.workers}",
        f"--threads={load.threads}",
    ]
    try:
        with Server(command, port=port):
            log(f"http: bare Django on port {port}, {load.users} clients for {load.seconds:.0f}s")
            result = drive(_scenario(port, bare_scenario(setup, load), load))
            if load.open_rate:
                # The same offered rate on the bare app: the latency floor of this machine and driver.
                log(
                    f"http: bare Django at {load.open_rate:.0f} requests/s offered for {load.open_seconds:.0f}s"
                )
                opened = drive(_scenario(port, bare_scenario(setup, load), load, open_loop=True))
                result["open_loop"] = opened["total"]
    finally:
        _bare_command("drop")
    return _collapse(result, "bare.page")


def _bare_command(*arguments: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", BARE, *arguments], capture_output=True, text=True, check=False, timeout=600
    )
    if done.returncode != 0:
        raise RuntimeError(f"the bare app's {arguments[0]} failed: {done.stderr[-2000:]}")
    return done.stdout


def _scenario(
    port: int, requests: list[dict[str, Any]], load: Load, *, open_loop: bool = False
) -> dict[str, Any]:
    scenario: dict[str, Any] = {
        "host": f"http://127.0.0.1:{port}",
        "users": load.users,
        "seconds": load.seconds,
        "warmup": load.warmup,
        "seed": load.seed,
        "requests": requests,
    }
    if open_loop:
        scenario["users"] = max(1, round(load.open_rate * load.open_pacing))
        scenario["pacing"] = load.open_pacing
        scenario["seconds"] = load.open_seconds
    return scenario


def jisheng_command(port: int, load: Load) -> list[str]:
    return [
        sys.executable,
        "-m",
        "jisheng",
        "serve",
        "--web-only",
        f"--port={port}",
        f"--workers={load.workers}",
        f"--threads={load.threads}",
    ]


# Behind a reverse proxy, as in production: the load driver stands for many residents' addresses, each
# request of a public form from its own, so the per-address rate limits see residents, not one client.
JISHENG_ENV = {"JISHENG_TRUSTED_PROXIES": "127.0.0.1"}


def measure_jisheng(
    requests: list[dict[str, Any]], load: Load, *, log: Callable[[str], None]
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    port = free_port()
    with Server(jisheng_command(port, load), port=port, env=JISHENG_ENV) as server:
        log(f"http: Jisheng on port {port}, {load.users} clients for {load.seconds:.0f}s")
        profile = os.environ.get("JISHENG_HTTPBENCH_PROFILE")
        profiler = _profiler(server, profile, load) if profile else None
        closed = drive(_scenario(port, requests, load))
        if profiler is not None:
            profiler.wait(timeout=60)
            log(f"http: py-spy's samples of the closed-loop run (collapsed stacks) in {profile}")
        opened = None
        # The open-loop run goes on where the closed-loop one stopped in each sequence of forms (the
        # residents who applied have an open case now).
        taken = closed.get("forms_taken", {})
        requests = [
            {**spec, "forms_start": taken.get(spec["name"], 0)} if spec.get("forms") else spec
            for spec in requests
        ]
        if load.open_rate:
            log(f"http: Jisheng at {load.open_rate:.0f} requests/s offered for {load.open_seconds:.0f}s")
            opened = drive(_scenario(port, requests, load, open_loop=True))
    return closed, opened


def _profiler(server: Server, path: str, load: Load) -> subprocess.Popen[bytes]:
    """py-spy sampling every gunicorn worker during the closed-loop run (after the warm-up)."""
    assert server.process is not None
    time.sleep(load.warmup)
    return subprocess.Popen(
        [
            os.path.join(os.path.dirname(sys.executable), "py-spy"),
            "record",
            "--pid",
            str(server.process.pid),
            "--subprocesses",
            "--rate",
            "50",
            "--duration",
            str(int(load.seconds)),
            "--format",
            "raw",
            "--output",
            path,
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def report(
    bare: dict[str, Any], closed: dict[str, Any], opened: dict[str, Any] | None, load: Load
) -> list[dict[str, Any]]:
    """One row per target, as `jisheng bench` prints them: throughput, percentiles, errors, ratio."""
    ceiling = bare["total"]["throughput"] or None

    def ratio(value: float) -> float | None:
        return round(value / ceiling, 3) if ceiling else None

    settings = {
        "clients": load.users,
        "seconds": load.seconds,
        "workers": load.workers,
        "threads": load.threads,
    }
    rows = [
        {"measure": "http.bare", **bare["total"], **settings},
        {
            "measure": "http.mix",
            **closed["total"],
            "ratio_to_bare": ratio(closed["total"]["throughput"]),
            **settings,
            "by_name": {
                name: {**figures, "ratio_to_bare": ratio(_alone(figures, load.users))}
                for name, figures in closed["by_name"].items()
            },
            "error_examples": closed.get("error_examples", []),
        },
    ]
    if opened is not None:
        rows.append(
            {
                "measure": "http.open_loop",
                **opened["total"],
                "offered_rate": opened.get("offered_rate"),
                "bare": bare.get("open_loop"),
                "clients": opened["users"],
                "seconds": opened["seconds"],
                "by_name": opened["by_name"],
                "error_examples": opened.get("error_examples", []),
            }
        )
    return rows


def _alone(figures: dict[str, Any], users: int) -> float:
    """What the server would serve of one page alone at the same concurrency, estimated from the mix by
    Little's law (clients / the page's mean time in the mix): the page's ratio to the ceiling."""
    mean = figures.get("mean_ms")
    return users * 1000 / mean if mean else 0.0
