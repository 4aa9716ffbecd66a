"""Demo step: the areas of 驻马店市 平舆县, 19 townships and 221 villages."""

from pathlib import Path
from typing import Any

from jisheng.core.actor import DEMO

from .services import areas_import_file

DEMO_COUNTY_CSV = Path(__file__).parent / "data" / "pingyu.csv"
DEMO_COUNTY_CODE = "411723000000"
ORDER = 10


def populate(*, persons: int, seed: int, out: Any) -> None:
    result = areas_import_file(path=DEMO_COUNTY_CSV, by=DEMO)
    if result.errors:
        raise RuntimeError("; ".join(result.errors))
    out.write(f"区划: 新增 {result.created}, 未变 {result.unchanged}")
