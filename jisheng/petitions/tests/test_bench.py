"""The benchmark module runs (small): the list and matter pages answer and the sweep goes over every matter."""

from __future__ import annotations

from jisheng.core.bench import BenchContext
from jisheng.petitions import bench


def test_the_petitions_bench_measures_the_list_the_matter_page_and_the_sweep(
    areas, staff, monkeypatch
) -> None:
    monkeypatch.setattr(bench, "SAMPLES", 3)
    ctx = BenchContext(persons=1000, log=lambda line: None)
    results = {row["measure"]: row for row in bench.measures(ctx)}
    assert set(results) == {"petitions.list_page_p95", "petitions.matter_page_p95", "petitions.clock_sweep"}
    assert results["petitions.list_page_p95"]["matters"] == 1000
    assert all(row["value"] >= 0 for row in results.values())
