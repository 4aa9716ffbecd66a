"""Report forms, validation rules and indicators, read from the policy files in jisheng/policy/reporting.

Forms are copied into the database by ``services.forms_load`` (so that a report keeps the version it
was filled in); ``Form.from_data`` turns either the file or the stored copy into the objects below.
"""

from __future__ import annotations

import functools
import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import expressions
from .measures import MEASURES
from .periods import PERIOD_TYPES

POLICY_DIR = Path(__file__).resolve().parent.parent / "policy" / "reporting"
LEVEL_NAMES = {2: "city", 3: "county", 4: "township", 5: "village"}
IMPORTANCES = ("high", "medium", "low")


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the file and the entry (in Chinese)."""


@dataclass(frozen=True)
class Item:
    code: str
    label: str
    measure: str = ""  # empty: entered by hand
    where: dict[str, Any] = field(default_factory=dict)
    dimensions: tuple[str, ...] = ()  # the values this (sub-)item fixes, for grouping
    parent: str = ""

    @property
    def is_computed(self) -> bool:
        return bool(self.measure)


@dataclass(frozen=True)
class Form:
    code: str
    name: str
    period_type: str
    due_days: dict[str, int]
    items: tuple[Item, ...]
    data: dict[str, Any]

    @classmethod
    def from_data(cls, data: dict[str, Any], source: str = "") -> Form:
        where_from = f"{source} " if source else ""
        try:
            code, name, period_type = data["code"], data["name"], data["period_type"]
        except KeyError as exc:
            raise PolicyError(f"{where_from}缺少字段 {exc.args[0]}") from exc
        if period_type not in PERIOD_TYPES:
            raise PolicyError(f"{where_from}报表 {code}: 周期类型“{period_type}”无效")
        items: list[Item] = []
        for number, raw in enumerate(data.get("items", []), start=1):
            items.extend(_expand_item(raw, f"{where_from}报表 {code} 第 {number} 项"))
        codes = [item.code for item in items]
        if len(set(codes)) != len(codes):
            raise PolicyError(f"{where_from}报表 {code}: 项目代码重复")
        due_days = {str(level): int(days) for level, days in data.get("due_days", {}).items()}
        return cls(code, name, period_type, due_days, tuple(items), data)

    @property
    def version(self) -> str:
        return hashlib.sha256(json.dumps(self.data, sort_keys=True).encode()).hexdigest()[:12]

    def item(self, code: str) -> Item | None:
        return next((item for item in self.items if item.code == code), None)

    @property
    def item_codes(self) -> list[str]:
        return [item.code for item in self.items]

    def due_days_for(self, level: int) -> int:
        return self.due_days.get(LEVEL_NAMES.get(level, "village"), 0)


def _expand_item(raw: dict[str, Any], where: str) -> list[Item]:
    """One item of the file, plus a sub-item for each value of each dimension it is broken down by."""
    if "code" not in raw or "label" not in raw:
        raise PolicyError(f"{where}: 缺少 code 或 label")
    measure_code = raw.get("measure", "")
    if measure_code and measure_code not in MEASURES:
        raise PolicyError(f"{where}: 未知的统计口径“{measure_code}”")
    measure = MEASURES.get(measure_code)
    filters = {str(k): str(v) for k, v in raw.get("where", {}).items()}
    for name in [*filters, *raw.get("disaggregate", [])]:
        if measure is None or name not in measure.dimensions:
            raise PolicyError(f"{where}: 口径“{measure_code}”没有分组维度“{name}”")
    base = Item(raw["code"], raw["label"], measure_code, filters, tuple(filters))
    items = [base]
    for name in raw.get("disaggregate", []):
        assert measure is not None
        for value, value_label in measure.dimensions[name].labels.items():
            items.append(
                Item(
                    f"{base.code}_{name}_{value}",
                    f"{base.label}（{value_label}）",
                    measure_code,
                    {**filters, name: value},
                    tuple([*filters, name]),
                    parent=base.code,
                )
            )
    return items


@dataclass(frozen=True)
class Rule:
    code: str
    left: str
    op: str
    right: str
    importance: str
    message: str  # a sentence; {left} and {right} are replaced by the two sides' values
    # The figures contradict each other (a sum, a part larger than its whole): no explanation excuses
    # it, so the report can be neither submitted nor approved until it is corrected.
    arithmetic: bool = False

    @property
    def names(self) -> set[str]:
        return expressions.names(self.left) | expressions.names(self.right)


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    unit: str
    numerator: str
    denominator: str
    scale: float
    low: float | None
    high: float | None
    source: str

    def in_range(self, value: float | None) -> bool | None:
        if value is None:
            return None
        if self.low is not None and value < self.low:
            return False
        return not (self.high is not None and value > self.high)

    @property
    def normal_range(self) -> str:
        if self.low is not None and self.high is not None:
            return f"{self.low:g}–{self.high:g}"
        if self.low is not None:
            return f"≥ {self.low:g}"
        if self.high is not None:
            return f"≤ {self.high:g}"
        return ""


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{path.name}: {exc}") from exc


def form_files() -> dict[str, Form]:
    """The report forms of the policy folder, parsed once per set of files: the dashboard and every
    compilation ask for them, and parsing the TOML each time was 8 % of a dashboard view. A file
    edited, added or removed changes the folder's signature (name, size, modification time of each), so
    the next call parses afresh; a deployment never needs a restart for a form."""
    folder = POLICY_DIR / "forms"
    paths = sorted(folder.glob("*.toml"))
    signature = tuple((path.name, stat.st_size, stat.st_mtime_ns) for path in paths for stat in [path.stat()])
    return dict(_parsed_forms(str(folder), signature))


@functools.lru_cache(maxsize=4)
def _parsed_forms(folder: str, signature: tuple[tuple[str, int, int], ...]) -> tuple[tuple[str, Form], ...]:
    forms: dict[str, Form] = {}
    for name, _size, _mtime in signature:
        form = Form.from_data(_read_toml(Path(folder) / name), name)
        forms[form.code] = form
    return tuple(forms.items())


@functools.cache
def rules() -> tuple[Rule, ...]:
    loaded = []
    for number, raw in enumerate(_read_toml(POLICY_DIR / "rules.toml").get("rules", []), start=1):
        rule = Rule(
            raw["code"],
            raw["left"],
            raw["op"],
            raw["right"],
            raw.get("importance", "medium"),
            raw["message"],
            bool(raw.get("arithmetic", False)),
        )
        if rule.op not in expressions.COMPARISONS or rule.importance not in IMPORTANCES:
            raise PolicyError(f"rules.toml 第 {number} 条 {rule.code}: 运算符或重要程度无效")
        try:
            rule.message.format(left=0, right=0)
        except (KeyError, IndexError, ValueError) as exc:
            raise PolicyError(
                f"rules.toml 第 {number} 条 {rule.code}: 提示语只能含 {{left}} 和 {{right}}"
            ) from exc
        rule.names  # noqa: B018 - parses both sides, so a bad expression fails at load time
        loaded.append(rule)
    return tuple(loaded)


def rules_for(form: Form) -> list[Rule]:
    codes = set(form.item_codes)
    return [rule for rule in rules() if rule.names <= codes]


@functools.cache
def indicators() -> dict[str, Indicator]:
    loaded: dict[str, Indicator] = {}
    for raw in _read_toml(POLICY_DIR / "indicators.toml").get("indicators", []):
        indicator = Indicator(
            raw["code"],
            raw["name"],
            raw.get("unit", ""),
            raw["numerator"],
            raw["denominator"],
            float(raw.get("scale", 1)),
            raw.get("low"),
            raw.get("high"),
            raw.get("source", "registry"),
        )
        expressions.names(indicator.numerator)
        expressions.names(indicator.denominator)
        loaded[indicator.code] = indicator
    return loaded
