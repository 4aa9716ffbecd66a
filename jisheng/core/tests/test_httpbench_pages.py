"""`jisheng bench --only http.pages` in small: each GET of the mix is requested and reported with its CPU
time, its queries and its unexpected answers; POSTs are left to the load runs. Nothing is timed here."""

from __future__ import annotations

import pytest

from jisheng.core import httpbench
from jisheng.core.bench import BenchContext
from jisheng.core.loadbench import pages


@pytest.mark.django_db
def test_each_get_of_the_mix_is_reported_with_its_cpu_time_and_queries(tmp_path) -> None:
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

    # The POSTs are not sent; the page of a POST's form is measured.
    assert set(rows) == {
        "http.pages.portal.index",
        "http.pages.health",
        "http.pages.missing",
        "http.pages.track.form",
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
    assert len(lines) == 4


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
