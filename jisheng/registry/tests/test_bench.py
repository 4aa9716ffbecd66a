"""`jisheng bench` on a small county: every registry measure comes out as one JSON line."""

import io
import json

from django.core.management import call_command


def test_the_registry_bench_prints_one_json_line_per_measure_with_its_baseline(areas):
    out = io.StringIO()
    call_command(
        "bench",
        "--persons",
        "400",
        "--only",
        "import",
        "--only",
        "search_name",
        stdout=out,
        stderr=io.StringIO(),
    )
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    by_name = {row["measure"]: row for row in rows}
    imported = by_name["import_xlsx"]
    assert imported["unit"] == "rows/s" and imported["value"] > 0 and imported["baseline"] > 0
    assert imported["rows"] == 100 and len(imported["runs_seconds"]) == 3
    assert all(row["persons"] == 400 and row["database"] for row in rows)
    assert set(by_name) == {"import_xlsx", "search_name_prefix_p50", "search_name_prefix_p95"}
