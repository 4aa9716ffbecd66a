"""`jisheng bench --only http.pages` in small: each request of the mix is sent and reported with its CPU
time, its queries and its unexpected answers. Nothing is timed here (the hall's POSTs of the mix:
`hall/tests/test_http_mix.py`)."""

from __future__ import annotations

import pytest
from django.db import connection

from jisheng.core import httpbench
from jisheng.core.bench import BenchContext
from jisheng.core.loadbench import pages


@pytest.mark.django_db
def test_each_request_of_the_mix_is_reported_with_its_cpu_time_and_queries(tmp_path) -> None:
    requests = [
        {"name": "portal.index", "weight": 3, "method": "GET", "paths": ["/portal/"], "expect": [200]},
        {"name": "health", "weight": 1, "method": "GET", "paths": ["/healthz"], "expect": [200]},
        {"name": "missing", "weight": 1, "method": "GET", "paths": ["/no-such-page/"], "expect": [200]},
        {"name": "apply", "weight": 1, "method": "POST", "path": "/portal/", "expect": [302]},
        {
            "name": "track",
            "weight": 1,
            "method": "POST",
            "path": "/portal/track/",
            "form_page": "/portal/track/",
            "expect": [302],
        },
    ]
    lines: list[str] = []

    rows = {
        row["measure"]: row
        for row in pages.page_costs(requests, rounds=3, warmup=1, profile_dir=str(tmp_path), log=lines.append)
    }

    # The page of a POST's form is measured, and the POST itself.
    assert set(rows) == {
        "http.pages.portal.index",
        "http.pages.health",
        "http.pages.missing",
        "http.pages.apply",
        "http.pages.track.form",
        "http.pages.track",
    }
    for row in rows.values():
        assert row["requests"] == 3 and row["cpu_ms"] >= 0 and row["queries"] >= 0
    assert rows["http.pages.portal.index"]["errors"] == 0
    assert rows["http.pages.missing"]["errors"] == 3
    portal = rows["http.pages.portal.index"]
    assert portal["queries"] > 0 and portal["sql_ms"] > 0
    assert portal["slowest_sql"]["sql"].startswith("SELECT") and portal["slowest_sql"]["calls"] >= 1
    assert (tmp_path / "portal.index.prof").exists()
    assert rows["http.pages.track.form"]["errors"] == 0
    # The POSTs carry no CSRF token here, and the check is enforced as the servers enforce it.
    assert rows["http.pages.track"]["errors"] == 3 and rows["http.pages.apply"]["errors"] == 3
    assert len(lines) == 6


@pytest.mark.django_db
def test_a_post_is_sent_with_its_own_cookies_and_the_next_form_each_time() -> None:
    csrf = "a" * 32
    requests = [
        {
            "name": "track",
            "weight": 1,
            "method": "POST",
            "path": "/portal/track/",
            "forms": [
                {"csrfmiddlewaretoken": csrf, "number": f"SQ-{n}", "phone": "13800138000"} for n in range(9)
            ],
            "cookie": f"csrftoken={csrf}",
            "address": True,
            "expect": [200],
        }
    ]
    sent: list[str] = []

    def execute(execute, sql, params, many, context):
        if "hall_application" in sql and params:
            sent.extend(str(param) for param in params if str(param).startswith("SQ-"))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(execute):
        rows = list(pages.page_costs(requests, rounds=3, warmup=1, only={"track"}, log=lambda _line: None))

    # The CSRF token is accepted (no refusal), and each request took the next form: a warm-up, three
    # rounds and the counted request.
    assert rows[0]["errors"] == 0 and rows[0]["queries"] > 0
    assert sent == ["SQ-0", "SQ-1", "SQ-2", "SQ-3", "SQ-4"]


def test_the_page_costs_run_only_when_named(monkeypatch) -> None:
    monkeypatch.setattr(httpbench, "mix", lambda ctx: [])
    ran: list[str] = []

    def load(ctx, load, requests):
        ran.append("load")
        return iter([])

    def page_costs(requests, log):
        ran.append("pages")
        return iter([])

    monkeypatch.setattr(httpbench, "rows", load)
    monkeypatch.setattr(pages, "from_environment", page_costs)

    list(httpbench.measures(BenchContext(persons=0, only={"http.pages"})))
    assert ran == ["pages"]
    ran.clear()
    list(httpbench.measures(BenchContext(persons=0, only={"http"})))
    assert ran == ["load"]
