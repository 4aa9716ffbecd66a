"""The cycle collector paused for a bulk computation comes back as it was, whatever happens inside."""

from __future__ import annotations

import gc

import pytest

from jisheng.core.memory import cycle_collection_paused


def test_the_collector_is_off_inside_and_back_on_after_even_when_the_block_fails() -> None:
    assert gc.isenabled()
    with cycle_collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), cycle_collection_paused():
        raise RuntimeError
    assert gc.isenabled()


def test_a_nested_block_leaves_the_collector_off_for_the_outer_one() -> None:
    with cycle_collection_paused():
        with cycle_collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_decorated_function_runs_without_the_collector_each_time_it_is_called() -> None:
    seen = []

    @cycle_collection_paused()
    def work() -> None:
        seen.append(gc.isenabled())

    work()
    work()
    assert seen == [False, False] and gc.isenabled()


def test_an_import_and_a_benefit_run_leave_the_collector_on(areas, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from jisheng.benefits import engine
    from jisheng.benefits.rules import get_programme
    from jisheng.registry.imports.engine import run_import
    from tests.factories import SETUP

    path = tmp_path / "bad.csv"
    path.write_text("姓名,身份证号\n张三,123\n", encoding="utf-8")
    assert run_import(path=path, kind="persons", by=SETUP).errors
    assert gc.isenabled()
    engine.run(get_programme("childcare_subsidy"), 2025, areas["county"].code)
    assert gc.isenabled()
