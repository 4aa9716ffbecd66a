"""The 56 ethnic groups by their GB 3304 codes (民族), shipped as data in ``data/ethnicities.csv``.

The registry stores the two-digit code (what imports and exchanges carry); screens show the name.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from django.utils.translation import get_language

DATA = Path(__file__).resolve().parent / "data" / "ethnicities.csv"


@cache
def table() -> dict[str, tuple[str, str]]:
    """code → (Chinese name, romanised name), in the standard's order."""
    with DATA.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: (row["name"], row["english"]) for row in csv.DictReader(handle)}


def ethnicity_name(code: str | None) -> str:
    """The group's name in the current language; an unknown code is shown as it is, never hidden."""
    if not code:
        return ""
    names = table().get(code)
    if names is None:
        return code
    return names[1] if (get_language() or "").startswith("en") else names[0]


def choices() -> list[tuple[str, str]]:
    return [(code, ethnicity_name(code)) for code in table()]
