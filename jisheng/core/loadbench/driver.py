"""The load driver: ``python -m jisheng.core.loadbench.driver`` reads a scenario as JSON on its standard
input, runs it with locust (headless, as a library) and prints the figures as one JSON object.

Run in a process of its own: importing locust patches the standard library with gevent.

Scenario::

    {"host": "http://127.0.0.1:8123", "users": 50, "seconds": 30, "warmup": 3, "seed": 1,
     "pacing": null,            # seconds between the starts of one user's requests (open loop), or null
     "requests": [              # each user picks one at a time by weight, with its own seeded random
        {"name": "portal.guide", "weight": 10, "method": "GET", "paths": ["/portal/items/x/"],
         "cookie": "sessionid=…", "form": null, "multipart": false, "expect": [200],
         "address": false,      # true: a random client address in X-Forwarded-For (a proxy in front)
         "steps": null,         # or a list of {path, form}: each user walks it in turn on its own row
         "forms": null,         # or a list of forms for "path": each request takes the next, all users
                                # sharing one sequence (each applicant applies once) …
         "forms_start": 0}      # … from this entry on (the output's "forms_taken" says where it stopped)
     ]}

Closed loop (``pacing`` null): every user sends its next request as soon as the last is answered, which
finds the throughput. Open loop (``pacing`` p with ``users`` u): each user starts a request every p
seconds whatever the last took (``pacing.Schedule``), an offered rate of u/p requests a second as
long as answers take less than p; the driver reports the rate it achieved next to the offered one. Each
user first waits its own phase within one pacing period (``start_offset``), so the requests arrive spread
over the period: locust starts users in batches of ``floor(spawn rate)`` once a second, and without the
phases a batch's users would all ask at the same instant, every period (100 requests at once each second
at 100 requests/s offered), and the run would measure the queue of that burst, not the offered rate.
Each user's choices come from ``random.Random(seed * 100_003 + its number)``: the same scenario and seed
make the same sequence of requests.
"""

from __future__ import annotations

import itertools
import json
import random
import sys
import time
from typing import Any

from gevent import monkey

monkey.patch_all()

import gevent  # noqa: E402
from locust import FastHttpUser, task  # noqa: E402
from locust.env import Environment  # noqa: E402

from jisheng.core.loadbench.pacing import Schedule, start_offset  # noqa: E402

PERCENTILES = {"p50": 0.5, "p95": 0.95, "p99": 0.99}


def _figures(entry: Any, seconds: float) -> dict[str, Any]:
    count = entry.num_requests
    return {
        "requests": count,
        "errors": entry.num_failures,
        "throughput": round(count / seconds, 1) if seconds else 0.0,
        **{
            f"{name}_ms": (entry.get_response_time_percentile(value) if count else None)
            for name, value in PERCENTILES.items()
        },
        "mean_ms": round(entry.avg_response_time, 1) if count else None,
    }


def _user_class(scenario: dict[str, Any]) -> type[FastHttpUser]:
    requests = scenario["requests"]
    weights = [spec["weight"] for spec in requests]
    numbers = itertools.count()
    taken_forms = {spec["name"]: itertools.count(int(spec.get("forms_start", 0))) for spec in requests}
    seed = int(scenario.get("seed", 1))
    pacing = scenario.get("pacing")

    class ScenarioUser(FastHttpUser):
        host = scenario["host"]
        schedule: Schedule | None = None
        network_timeout = float(scenario.get("timeout", 30))
        connection_timeout = float(scenario.get("timeout", 30))

        def on_start(self) -> None:
            self.number = next(numbers)
            self.rng = random.Random(seed * 100_003 + self.number)
            self.steps_taken: dict[str, int] = {}
            if pacing:
                now = time.perf_counter()
                self.schedule = Schedule(now + start_offset(self.number, pacing), pacing)
                gevent.sleep(self.schedule.wait_before_first(now))

        def wait_time(self) -> float:
            if self.schedule is None:
                return 0.0
            return self.schedule.wait_after_request(time.perf_counter())

        @task
        def one(self) -> None:
            spec = self.rng.choices(requests, weights)[0]
            form = spec.get("form")
            if spec.get("forms"):
                # Each request takes the next entry, shared by all users (a new applicant each time).
                path = spec["path"]
                form = spec["forms"][next(taken_forms[spec["name"]]) % len(spec["forms"])]
            elif spec.get("steps"):
                # A sequence on the user's own row (a case moved along and back): never two users on one.
                taken = self.steps_taken.get(spec["name"], 0)
                self.steps_taken[spec["name"]] = taken + 1
                step = spec["steps"][taken % len(spec["steps"])]
                rows = spec["rows"]
                path = step["path"].format(row=rows[self.number % len(rows)])
                form = step.get("form")
            else:
                path = self.rng.choice(spec["paths"])
            headers = {"Cookie": spec.get("cookie", "")} if spec.get("cookie") else {}
            if spec.get("address"):
                headers["X-Forwarded-For"] = (
                    f"10.{self.rng.randrange(256)}.{self.rng.randrange(256)}.{self.rng.randrange(1, 255)}"
                )
            self.client.cookiejar.clear()  # each request carries exactly the cookies of its spec
            kwargs: dict[str, Any] = {"headers": headers, "name": spec["name"], "catch_response": True}
            if form is not None:
                if spec.get("multipart"):
                    boundary = f"----loadbench{self.rng.randrange(10**12)}"
                    body = (
                        "".join(
                            f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'
                            for key, value in form.items()
                        )
                        + f"--{boundary}--\r\n"
                    )
                    headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
                    kwargs["data"] = body.encode()
                else:
                    kwargs["data"] = form
            with self.client.request(spec["method"], path, allow_redirects=False, **kwargs) as response:
                if response.status_code not in spec["expect"]:
                    response.failure(f"status {response.status_code}")
                else:
                    response.success()

    ScenarioUser.taken_forms = taken_forms  # type: ignore[attr-defined]
    return ScenarioUser


def run(scenario: dict[str, Any]) -> dict[str, Any]:
    users = int(scenario["users"])
    seconds = float(scenario["seconds"])
    warmup = float(scenario.get("warmup", 2))
    user_class = _user_class(scenario)
    env = Environment(user_classes=[user_class])
    runner = env.create_local_runner()
    # Open loop: users start spread over one pacing period, so the offered rate is even from the start.
    pacing = scenario.get("pacing")
    spawn_rate = users / pacing if pacing else users
    runner.start(users, spawn_rate=spawn_rate)
    # The warm-up covers one pacing period at least, so every user has asked once before figures count.
    gevent.sleep(users / spawn_rate + max(warmup, pacing or 0))
    env.stats.reset_all()
    started = time.monotonic()
    gevent.sleep(seconds)
    elapsed = time.monotonic() - started
    snapshot = {
        "total": _figures(env.stats.total, elapsed),
        "by_name": {
            name: _figures(entry, elapsed) for (name, _method), entry in sorted(env.stats.entries.items())
        },
        "error_examples": sorted(
            f"{error.name}: {error.error} ×{error.occurrences}" for error in env.stats.errors.values()
        )[:10],
    }
    runner.quit()
    result = {"users": users, "seconds": round(elapsed, 1), **snapshot}
    # Where each shared sequence of forms stopped: a later run starts after it (each applicant once).
    result["forms_taken"] = {
        spec["name"]: next(user_class.taken_forms[spec["name"]])  # type: ignore[attr-defined]
        for spec in scenario["requests"]
        if spec.get("forms")
    }
    if pacing:
        result["offered_rate"] = round(users / pacing, 1)
    return result


def main() -> None:
    scenario = json.load(sys.stdin)
    print(json.dumps(run(scenario)))


if __name__ == "__main__":
    main()
