"""The province-level divisions of GB/T 2260 by their two-digit code (policy data:
``jisheng/policy/migrants/provinces.toml``): where a person away went is counted by these, whatever this
deployment knows of the area tree."""

from __future__ import annotations

import tomllib
from pathlib import Path

PROVINCES_FILE = Path(__file__).resolve().parent.parent / "policy" / "migrants" / "provinces.toml"


def _load() -> dict[str, str]:
    with PROVINCES_FILE.open("rb") as handle:
        data = tomllib.load(handle)
    names = {str(code): str(name) for code, name in data["provinces"].items()}
    if not names or any(len(code) != 2 or not code.isdigit() for code in names):
        raise ValueError(f"{PROVINCES_FILE}: province codes are two digits")
    return names


PROVINCE_NAMES: dict[str, str] = _load()
