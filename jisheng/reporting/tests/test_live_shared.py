"""The dashboard's live figures are computed once for all server processes (issue 17).

Each gunicorn worker used to compute the county's figures again when its own copy ran out. They are now
kept in the shared Django cache (the file cache of the data directory): two processes are two
``SharedFigures`` over two cache objects on the same directory, as two workers have.
"""

from __future__ import annotations

import datetime
import threading
from pathlib import Path
from typing import Any

import pytest
from django.core.cache.backends.filebased import FileBasedCache

from jisheng.reporting import live


class Worker(live.SharedFigures):
    """A server process: its own cache object on the shared directory, and the stamp it reads now."""

    def __init__(self, directory: Path, world: dict[str, Any]) -> None:
        cache = FileBasedCache(str(directory), {})
        super().__init__(lambda: cache)
        self.world = world

    def stamp(self) -> live.Stamp:
        self.publish()
        return (self.world["head"], self.generation())


@pytest.fixture
def world() -> dict[str, Any]:
    return {"head": 1}


def counting(value: Any, calls: list[Any], gate: threading.Event | None = None, started: Any = None) -> Any:
    def compute() -> Any:
        if started is not None:
            started.set()
        if gate is not None:
            assert gate.wait(10)
        calls.append(value)
        return value

    return compute


def test_two_server_processes_compute_the_figures_once_and_share_them(tmp_path, world) -> None:
    first, second = Worker(tmp_path, world), Worker(tmp_path, world)
    calls: list[Any] = []
    assert first.get(("tree", "county"), counting({"411723": 3}, calls)) == {"411723": 3}
    assert second.get(("tree", "county"), counting({"411723": 99}, calls)) == {"411723": 3}
    assert calls == [{"411723": 3}]
    assert (first.computed, second.computed) == (1, 0)


def test_a_new_audit_event_or_a_change_in_another_process_is_seen_at_the_next_view(tmp_path, world) -> None:
    first, second = Worker(tmp_path, world), Worker(tmp_path, world)
    calls: list[Any] = []
    first.get(("tree", "county"), counting(3, calls))
    world["head"] = 2  # a service wrote an audit event
    assert second.get(("tree", "county"), counting(4, calls)) == 4
    second.changed()  # a counted row saved without an audit event, committed in the second process
    second.publish()
    assert first.get(("tree", "county"), counting(5, calls)) == 5
    assert calls == [3, 4, 5]


def test_while_one_process_computes_the_others_serve_the_previous_figures(tmp_path, world) -> None:
    first, second = Worker(tmp_path, world), Worker(tmp_path, world)
    calls: list[Any] = []
    first.get(("tree", "county"), counting("before", calls))
    world["head"] = 2
    gate, started = threading.Event(), threading.Event()
    result: list[Any] = []
    computing = threading.Thread(
        target=lambda: result.append(first.get(("tree", "county"), counting("after", calls, gate, started)))
    )
    computing.start()
    assert started.wait(10)
    # The second process finds the figures out of date and their computation under way: it answers at
    # once with the previous ones instead of computing them a second time.
    assert second.get(("tree", "county"), counting("twice", calls)) == "before"
    gate.set()
    computing.join(10)
    assert result == ["after"]
    assert second.get(("tree", "county"), counting("twice", calls)) == "after"
    assert calls == ["before", "after"]


def test_without_previous_figures_the_other_processes_wait_for_the_one_computation(tmp_path, world) -> None:
    workers = [Worker(tmp_path, world) for _ in range(3)]
    calls: list[Any] = []
    gate, started = threading.Event(), threading.Event()
    results: list[Any] = []

    def view(worker: Worker, value: str, **kw: Any) -> None:
        results.append(worker.get(("tree", "county"), counting(value, calls, **kw)))

    threads = [
        threading.Thread(target=view, args=(workers[0], "first"), kwargs={"gate": gate, "started": started})
    ]
    threads[0].start()
    assert started.wait(10)
    threads += [threading.Thread(target=view, args=(worker, "again")) for worker in workers[1:]]
    for thread in threads[1:]:
        thread.start()
    gate.set()
    for thread in threads:
        thread.join(10)
    assert results == ["first", "first", "first"]
    assert calls == ["first"]


def test_figures_older_than_the_ttl_are_not_served_while_others_compute(tmp_path, world, monkeypatch) -> None:
    first, second = Worker(tmp_path, world), Worker(tmp_path, world)
    calls: list[Any] = []
    first.get(("tree", "county"), counting("old", calls))
    later = live._now() + live.TTL_SECONDS + 1
    monkeypatch.setattr(live, "_now", lambda: later)
    # Nobody else computes: the view that finds them too old computes them itself.
    assert second.get(("tree", "county"), counting("new", calls)) == "new"
    assert calls == ["old", "new"]


@pytest.mark.django_db
def test_the_dashboard_figures_live_in_the_shared_cache(areas, make_user, client_for) -> None:
    from .helpers import births

    births(areas["village_a"], datetime.date(2026, 10, 5), male=2, female=1)
    client = client_for(make_user(areas["township_a"], "counter_clerk"))
    before = live._shared.computed
    assert client.get("/reporting/dashboard/?period=2026-M10").status_code == 200
    computed = live._shared.computed - before
    assert computed >= 1
    # Another worker (the same cache directory, nothing kept in its memory) computes nothing.
    other = live.SharedFigures(lambda: FileBasedCache(str(live.caches[live.CACHE_ALIAS]._dir), {}))
    live._shared._local.clear()
    live._shared, saved = other, live._shared
    try:
        assert client.get("/reporting/dashboard/?period=2026-M10").status_code == 200
        assert other.computed == 0
    finally:
        live._shared = saved


def test_under_steady_changes_figures_are_recomputed_once_they_are_as_old_as_the_refresh_interval(
    tmp_path, world, settings, monkeypatch
) -> None:
    settings.LIVE_FIGURES_REFRESH_SECONDS = 15
    clock = {"now": 1_000_000.0}
    monkeypatch.setattr(live, "_now", lambda: clock["now"])
    worker = Worker(tmp_path, world)
    calls: list[Any] = []
    assert worker.get(("tree", "county"), counting({"411723": 3}, calls)) == {"411723": 3}

    # A hall step 5 s later changes the stamp: the view shows the 5-second-old figures, no recomputation.
    world["head"] = 2
    clock["now"] += 5
    assert worker.get(("tree", "county"), counting({"411723": 4}, calls)) == {"411723": 3}
    assert calls == [{"411723": 3}]

    # Once the figures shown are 15 s old, the next view recomputes them and shows the change.
    clock["now"] += 10
    assert worker.get(("tree", "county"), counting({"411723": 4}, calls)) == {"411723": 4}
    assert calls == [{"411723": 3}, {"411723": 4}]


def test_the_change_generation_outlives_the_file_caches_culling(tmp_path: Path) -> None:
    cache = FileBasedCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 10}})
    figures = live.SharedFigures(lambda: cache)
    figures.renew_generation()
    generation = figures.generation()
    for number in range(60):  # the cache drops a third of its entries each time it holds ten
        cache.set(f"other.{number}", number)
    assert len(list(tmp_path.glob("*.djcache"))) < 60
    assert figures.generation() == generation != ""
    figures.renew_generation()
    assert figures.generation() not in (generation, "")


def test_a_committed_change_renews_the_generation_in_place_and_another_process_reads_it(
    tmp_path: Path,
) -> None:
    """Written over the file's digits, not as a new file renamed over it (which made ext4 write the
    file out at every committed change): the same file, a new value, read by another process's figures."""
    cache = FileBasedCache(str(tmp_path / "cache"), {})
    here, elsewhere = live.SharedFigures(lambda: cache), live.SharedFigures(lambda: cache)
    here.renew_generation()  # the first: its folder and file made
    [path] = (tmp_path / "cache").glob("*.generation")
    inode, before = path.stat().st_ino, elsewhere.generation()
    for _change in range(3):
        here.renew_generation()
        assert elsewhere.generation() not in (before, "") and len(elsewhere.generation()) == 32
        before = elsewhere.generation()
    assert path.stat().st_ino == inode and list((tmp_path / "cache").glob("*.tmp")) == []


def test_a_cache_that_lost_the_generation_gets_a_new_one_never_an_empty_one() -> None:
    from django.core.cache.backends.locmem import LocMemCache

    cache = LocMemCache("live-generation-test", {})
    figures = live.SharedFigures(lambda: cache)
    first = figures.generation()
    assert first and figures.generation() == first
    cache.delete(live.GENERATION_KEY)
    assert figures.generation() not in (first, "")
