"""Under steady changes the dashboard is drawn again ahead of time, in the background (issue 17): no view
waits for the county's figures to be computed, a change is still shown within the refresh interval the
figures promise, several views arriving together have it drawn once, and a page drawn in the
background is the scope's own.

Two server processes are two ``SharedFigures`` over two cache objects on the same directory."""

from __future__ import annotations

import datetime
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.cache.backends.filebased import FileBasedCache

from jisheng.reporting import live

from .helpers import births

REFRESH = 15
URL = "/reporting/dashboard/?period=2026-M10"


class Worker(live.SharedFigures):
    """A server process: its own cache object on the shared directory, the stamp it reads now, and the
    drawings it would start in the background, run when the test says."""

    def __init__(self, directory: Path, world: dict[str, Any]) -> None:
        cache = FileBasedCache(str(directory), {})
        super().__init__(lambda: cache)
        self.world = world
        self.pending: list[Callable[[], None]] = []
        self.in_background = self.pending.append

    def stamp(self) -> live.Stamp:
        self.publish()
        return (self.world["head"], self.generation())

    def run_pending(self) -> None:
        while self.pending:
            self.pending.pop(0)()


@pytest.fixture
def world(settings, monkeypatch) -> dict[str, Any]:
    settings.LIVE_FIGURES_REFRESH_SECONDS = REFRESH
    world: dict[str, Any] = {"head": 1, "now": 1_000_000.0, "births": 3}
    monkeypatch.setattr(live, "_now", lambda: world["now"])
    return world


@pytest.fixture
def clock(settings, monkeypatch) -> dict[str, float]:
    """The live figures' clock, held where the test puts it (``clock["now"] += 11``), for a real
    dashboard's pages."""
    settings.LIVE_FIGURES_REFRESH_SECONDS = REFRESH
    held = {"now": live._now()}
    monkeypatch.setattr(live, "_now", lambda: held["now"])
    return held


def dashboard_of(worker: Worker, world: dict[str, Any], drawn: list[str]) -> Callable[[], str]:
    """A page showing one figure the worker keeps, like the dashboard's body shows its figures."""

    def count() -> int:
        return int(world["births"])

    def draw() -> str:
        page = f"births {worker.get(('tree', 'county'), count)}"
        drawn.append(page)
        return page

    return draw


def test_under_steady_changes_the_page_is_drawn_again_in_the_background_before_a_view_would_wait(
    tmp_path, world
) -> None:
    worker, drawn = Worker(tmp_path, world), list[str]()
    draw = dashboard_of(worker, world, drawn)
    assert worker.page(("dashboard",), draw) == "births 3"

    world.update(head=2, births=4)  # a hall step or a birth: every case step is a counted change
    world["now"] += 5
    assert worker.page(("dashboard",), draw) == "births 3"  # 5 s old: shown, nothing started
    assert worker.pending == []

    world["now"] += 6  # 11 s: two thirds of the refresh interval
    assert worker.page(("dashboard",), draw) == "births 3"  # answered at once with the kept page
    assert len(worker.pending) == 1 and drawn == ["births 3"]
    assert worker.page(("dashboard",), draw) == "births 3"
    assert len(worker.pending) == 1  # one drawing ahead at a time

    worker.run_pending()
    # Drawn again with the figures computed again, not the 11-second-old ones reused.
    assert drawn == ["births 3", "births 4"]
    assert worker.computed == 2
    world["now"] += 1
    assert worker.page(("dashboard",), draw) == "births 4"
    assert worker.pending == []


def test_a_change_is_shown_once_the_page_shown_is_as_old_as_the_refresh_interval(tmp_path, world) -> None:
    worker, drawn = Worker(tmp_path, world), list[str]()
    draw = dashboard_of(worker, world, drawn)
    assert worker.page(("dashboard",), draw) == "births 3"
    world.update(head=2, births=4)
    world["now"] += REFRESH  # nobody looked in between: no drawing ahead was started
    assert worker.page(("dashboard",), draw) == "births 4"
    assert worker.pending == []


def test_figures_of_the_current_stamp_are_never_drawn_ahead(tmp_path, world) -> None:
    worker, drawn = Worker(tmp_path, world), list[str]()
    draw = dashboard_of(worker, world, drawn)
    worker.page(("dashboard",), draw)
    world["now"] += REFRESH + 5  # nothing changed: the kept page is current until the TTL
    assert worker.page(("dashboard",), draw) == "births 3"
    assert worker.pending == [] and drawn == ["births 3"]


def test_several_views_arriving_together_have_the_page_drawn_again_once(tmp_path, world) -> None:
    workers = [Worker(tmp_path, world) for _ in range(3)]
    drawn: list[str] = []
    gate, started = threading.Event(), threading.Event()

    def slow_count() -> int:
        started.set()
        assert gate.wait(10)
        return int(world["births"])

    def draw_with(worker: Worker, count: Callable[[], int]) -> Callable[[], str]:
        def draw() -> str:
            page = f"births {worker.get(('tree', 'county'), count)}"
            drawn.append(page)
            return page

        return draw

    assert workers[0].page(("dashboard",), draw_with(workers[0], lambda: 3)) == "births 3"
    world.update(head=2, births=4)
    world["now"] += 11

    answers: list[str] = []
    backgrounds: list[threading.Thread] = []
    for worker in workers:
        worker.in_background = lambda work: backgrounds.append(threading.Thread(target=work))

    def view(worker: Worker) -> None:
        answers.append(worker.page(("dashboard",), draw_with(worker, slow_count)))

    views = [threading.Thread(target=view, args=(worker,)) for worker in workers for _ in range(4)]
    for thread in views:
        thread.start()
    for thread in views:
        thread.join(10)
    assert answers == ["births 3"] * 12  # every view answered at once with the kept page
    assert len(backgrounds) == 3  # one drawing ahead started per process, not per view

    for thread in backgrounds:
        thread.start()
    assert started.wait(10)
    gate.set()
    for thread in backgrounds:
        thread.join(10)
    assert drawn == ["births 3", "births 4"]  # drawn once for the three processes
    assert sum(worker.computed for worker in workers) == 2
    assert {worker.page(("dashboard",), draw_with(worker, slow_count)) for worker in workers} == {"births 4"}


@pytest.mark.django_db
def test_a_townships_dashboard_drawn_in_the_background_shows_its_own_township_only(
    registry, make_user, client_for, clock, monkeypatch
) -> None:
    pending: list[Callable[[], None]] = []
    monkeypatch.setattr(live._shared, "in_background", pending.append)
    township_a, township_b = registry["township_a"], registry["township_b"]
    officer_a = client_for(make_user(township_a, "township_head"))
    officer_b = client_for(make_user(township_b, "township_head"))
    before_a = officer_a.get(URL).content.decode()
    officer_b.get(URL)

    births(registry["village_a"], datetime.date(2026, 10, 20), male=2)
    births(registry["village_b"], datetime.date(2026, 10, 20), male=1)
    clock["now"] += 11
    kept_a = officer_a.get(URL).content.decode()  # the kept page, at once
    assert len(pending) == 1
    pending.pop()()  # run here, on the test's database connection
    after_a = officer_a.get(URL).content.decode()

    village_a = registry["village_a"].code
    assert re.search(rf'<tr data-area="{village_a}">.*?<td>110</td>', before_a, re.S)
    assert re.search(rf'<tr data-area="{village_a}">.*?<td>110</td>', kept_a, re.S)
    assert re.search(rf'<tr data-area="{village_a}">.*?<td>112</td>', after_a, re.S)
    assert township_a.name in after_a and township_b.name not in after_a
    assert not re.search(rf'<tr data-area="{township_b.prefix}', after_a)
    assert pending == []


@pytest.mark.django_db(transaction=True)
def test_a_dashboard_drawn_ahead_in_a_thread_of_its_own_is_in_the_viewers_language(
    registry, make_user, client_for, clock
) -> None:
    county = client_for(make_user(registry["county"], "county_staff"))
    county.cookies["django_language"] = "en"
    assert "Dashboard" in county.get(URL).content.decode()

    births(registry["village_b"], datetime.date(2026, 10, 20), male=1)
    clock["now"] += 11
    county.get(URL)
    for thread in threading.enumerate():
        if thread.name == "jisheng-live-ahead":
            thread.join(30)
    after = county.get(URL).content.decode()
    township_b = registry["township_b"].code
    assert re.search(rf'<tr data-area="{township_b}">.*?<td>20</td>', after, re.S)
    assert "Dashboard" in after and "数据看板" not in after
