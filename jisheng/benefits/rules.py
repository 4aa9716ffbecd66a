"""Benefit programmes as data: TOML files in ``jisheng/policy/benefits/``, validated when loaded.

A file describes one programme (id, name, region, source, who a line is about, documents, approval
chain) and its versions, each with effective dates, eligibility ``conditions`` (see conditions.py for
the catalogue) and an ``amount``. Money is never a float: amounts are TOML integers or strings such
as "3600.00" and become ``Decimal``. Every mistake is reported with the line it sits on, so a policy
officer can fix the file; loading refuses a file with any mistake.
"""

from __future__ import annotations

import datetime
import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .conditions import CATALOGUE, ConditionSpec

RULES_DIR = Path(__file__).resolve().parent.parent / "policy" / "benefits"

SUBJECTS = {"person", "child"}
UNITS = {"person", "household", "child"}
PERIODS = {"year", "month", "once"}
APPROVAL_STEPS = {"village_notice", "township_review", "county_approval"}
PROGRAMME_KEYS = {
    "id",
    "name",
    "region",
    "source",
    "subject",
    "unit",
    "continuing",
    "documents",
    "approval",
    "notice_days",
    "near_months",
    "reported",
    "versions",
}
VERSION_KEYS = {"version", "effective_from", "effective_to", "note", "conditions", "amount"}
AMOUNT_KEYS = {"per", "yuan", "prorate", "cases"}


class RuleError(Exception):
    """A rule file with mistakes; ``problems`` holds (line, message) pairs, line 0 when unknown."""

    def __init__(self, path: str, problems: list[tuple[int, str]]):
        self.path = path
        self.problems = sorted(problems)
        super().__init__(
            "\n".join(
                f"{path}:{line}: {message}" if line else f"{path}: {message}"
                for line, message in self.problems
            )
        )


@dataclass(frozen=True)
class Prorate:
    """Pay only the months in the year before the month of the ``until_age`` birthday, for subjects
    born before ``born_before`` (those born later receive whole years)."""

    until_age: int
    born_before: datetime.date


@dataclass(frozen=True)
class AmountCase:
    when: tuple[ConditionSpec, ...]
    yuan: Decimal


@dataclass(frozen=True)
class AmountRule:
    per: str
    yuan: Decimal
    prorate: Prorate | None = None
    cases: tuple[AmountCase, ...] = ()


@dataclass(frozen=True)
class Version:
    version: str
    effective_from: datetime.date
    effective_to: datetime.date | None
    conditions: tuple[ConditionSpec, ...]
    amount: AmountRule
    note: str = ""

    def in_force_during(self, year: int) -> bool:
        start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        return self.effective_from <= end and (self.effective_to is None or self.effective_to >= start)


@dataclass(frozen=True)
class Programme:
    id: str
    name: str
    region: str
    source: str
    subject: str
    unit: str
    continuing: bool
    documents: tuple[str, ...]
    approval: tuple[str, ...]
    notice_days: int
    near_months: int
    versions: tuple[Version, ...]
    reported: dict[str, Any] = field(default_factory=dict)
    path: str = ""

    def version_for(self, year: int) -> Version | None:
        """The version in force during the year; if two overlap it, the later one (a raise from
        the middle of a year applies to that year's run)."""
        candidates = [v for v in self.versions if v.in_force_during(year)]
        return max(candidates, key=lambda v: v.effective_from) if candidates else None

    def version_named(self, name: str) -> Version | None:
        return next((v for v in self.versions if v.version == name), None)


# --- finding the line of a key -------------------------------------------------------------------


def _line_of(source: str, path: list[str | int]) -> int:
    """Best effort: the line of the key at ``path`` (e.g. ["versions", 1, "amount", "yuan"]).

    tomllib reports syntax errors with their line but keeps no positions for values, so semantic
    errors are located by scanning the text: array-of-tables headers are counted, and keys are searched
    forward from the table they belong to.
    """
    lines = source.splitlines()
    start = 0
    found = 0
    table: list[str] = []
    i = 0
    while i < len(path):
        key = path[i]
        if isinstance(key, int):
            i += 1
            continue
        index = path[i + 1] if i + 1 < len(path) and isinstance(path[i + 1], int) else None
        dotted = ".".join([*table, key])
        header_aot = re.compile(rf"^\s*\[\[\s*{re.escape(dotted)}\s*\]\]")
        header = re.compile(rf"^\s*\[\s*{re.escape(dotted)}\s*\]")
        assign = re.compile(rf"^\s*{re.escape(key)}\s*=")
        if index is not None and any(header_aot.match(line) for line in lines):
            seen = -1
            for n in range(start, len(lines)):
                if header_aot.match(lines[n]):
                    seen += 1
                    if seen == index:
                        start, found = n, n + 1
                        break
            table = [*table, key]
            i += 2
            continue
        hit = next((n for n in range(start, len(lines)) if header.match(lines[n])), None)
        if hit is not None:
            start, found = hit, hit + 1
            table = [*table, key]
            i += 1
            continue
        hit = next(
            (
                n
                for n in range(start, len(lines))
                if assign.match(lines[n]) or re.search(rf"[{{,]\s*{re.escape(key)}\s*=", lines[n])
            ),
            None,
        )
        if hit is not None:
            start, found = hit, hit + 1
            if index is not None:
                # the index-th "{" after the key of an inline array of tables
                seen = -1
                for n in range(hit, len(lines)):
                    stripped = lines[n].strip()
                    if stripped.startswith("{") or re.search(r"\[\s*\{", stripped):
                        seen += 1
                    if seen >= int(index):
                        start, found = n, n + 1
                        break
                i += 2
                continue
        i += 1
    return found


# --- validation ----------------------------------------------------------------------------------


class _Checker:
    def __init__(self, source: str):
        self.source = source
        self.problems: list[tuple[int, str]] = []

    def fail(self, path: list[str | int], message: str) -> None:
        self.problems.append((_line_of(self.source, path), message))

    def money(self, value: Any, path: list[str | int]) -> Decimal:
        if isinstance(value, bool | float):
            self.fail(path, f'金额 {value!r} 不得写成浮点数，请写整数或字符串，例如 "3600.00"')
            return Decimal(0)
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            self.fail(path, f"金额 {value!r} 不是数字")
            return Decimal(0)
        if amount < 0 or amount != amount.quantize(Decimal("0.01")):
            self.fail(path, f"金额 {value!r} 必须为非负数且最多两位小数（精确到分）")
        return amount.quantize(Decimal("0.01"))

    def text(self, data: dict[str, Any], key: str, path: list[str | int], required: bool = True) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.fail(path[:-1] or path, f"缺少必填项 {key}")
            return ""
        if not isinstance(value, str) or not value.strip():
            self.fail([*path], f"{key} 必须是非空文字")
            return ""
        return value

    def unknown(self, data: dict[str, Any], allowed: set[str], path: list[str | int]) -> None:
        for key in data:
            if key not in allowed:
                self.fail([*path, key], f"未知的项 {key}（可用：{'、'.join(sorted(allowed))}）")

    def conditions(self, items: Any, path: list[str | int]) -> tuple[ConditionSpec, ...]:
        if not isinstance(items, list):
            self.fail(path, "conditions 必须是条件列表")
            return ()
        specs = []
        for n, item in enumerate(items):
            specs.extend(self.condition(item, [*path, n]))
        return tuple(specs)

    def condition(self, item: Any, path: list[str | int]) -> list[ConditionSpec]:
        if not isinstance(item, dict) or "test" not in item:
            self.fail(path, '每个条件须是带 test 的表，例如 { test = "age", at_least = 60 }')
            return []
        test = item["test"]
        if test == "any":
            options = item.get("of")
            if not isinstance(options, list) or not options:
                self.fail(path, "any 条件须以 of = [...] 列出至少一个条件")
                return []
            inner = []
            for n, option in enumerate(options):
                inner.extend(self.condition(option, [*path, "of", n]))
            return [ConditionSpec("any", {}, tuple(inner))]
        definition = CATALOGUE.get(test)
        if definition is None:
            self.fail(
                [*path, "test"], f"未知的条件 {test!r}（可用：{'、'.join(sorted([*CATALOGUE, 'any']))}）"
            )
            return []
        params = {k: v for k, v in item.items() if k != "test"}
        for message in definition.check(params):
            self.fail(path, f"条件 {test}：{message}")
        return [ConditionSpec(test, params)]

    def amount(self, data: Any, path: list[str | int]) -> AmountRule:
        if not isinstance(data, dict):
            self.fail(path, "缺少金额规则 amount")
            return AmountRule("year", Decimal(0))
        self.unknown(data, AMOUNT_KEYS, path)
        per = data.get("per", "year")
        if per not in PERIODS:
            self.fail([*path, "per"], f"per 须为 {'、'.join(sorted(PERIODS))} 之一，而不是 {per!r}")
        if "yuan" not in data:
            self.fail(path, "金额规则缺少 yuan")
        yuan = self.money(data.get("yuan", 0), [*path, "yuan"])
        prorate = None
        if "prorate" in data:
            raw = data["prorate"]
            if (
                not isinstance(raw, dict)
                or not isinstance(raw.get("until_age"), int)
                or not isinstance(raw.get("born_before"), datetime.date)
            ):
                self.fail([*path, "prorate"], "prorate 须为 { until_age = 3, born_before = 2025-01-01 }")
            else:
                prorate = Prorate(raw["until_age"], raw["born_before"])
        cases = []
        for n, case in enumerate(data.get("cases", [])):
            if not isinstance(case, dict) or "when" not in case or "yuan" not in case:
                self.fail([*path, "cases", n], "每个 case 须有 when（条件列表）和 yuan")
                continue
            when = case["when"] if isinstance(case["when"], list) else [case["when"]]
            specs: list[ConditionSpec] = []
            for item in when:
                specs.extend(self.condition(item, [*path, "cases", n]))
            cases.append(AmountCase(tuple(specs), self.money(case["yuan"], [*path, "cases", n])))
        return AmountRule(per, yuan, prorate, tuple(cases))

    def version(self, data: Any, path: list[str | int]) -> Version | None:
        if not isinstance(data, dict):
            self.fail(path, "版本须写成 [[versions]] 表")
            return None
        self.unknown(data, VERSION_KEYS, path)
        name = data.get("version")
        if not isinstance(name, str | int) or isinstance(name, bool):
            self.fail(path, "版本缺少 version 名称")
            name = "?"
        start = data.get("effective_from")
        end = data.get("effective_to")
        if not isinstance(start, datetime.date) or isinstance(start, datetime.datetime):
            self.fail(
                [*path, "effective_from"] if "effective_from" in data else path,
                "effective_from 须为日期，例如 2025-01-01",
            )
            start = datetime.date.min
        if end is not None and (not isinstance(end, datetime.date) or end < start):
            self.fail([*path, "effective_to"], "effective_to 须为不早于 effective_from 的日期")
            end = None
        conditions = self.conditions(data.get("conditions", []), [*path, "conditions"])
        amount = self.amount(data.get("amount"), [*path, "amount"])
        return Version(str(name), start, end, conditions, amount, str(data.get("note", "")))

    def programme(self, data: dict[str, Any], path: str) -> Programme:
        self.unknown(data, PROGRAMME_KEYS, [])
        pid = self.text(data, "id", ["id"])
        if pid and not re.fullmatch(r"[a-z][a-z0-9_]{1,39}", pid):
            self.fail(["id"], f"id {pid!r} 只能用小写字母、数字和下划线")
        subject = data.get("subject", "person")
        if subject not in SUBJECTS:
            self.fail(["subject"], f"subject 须为 {'、'.join(sorted(SUBJECTS))} 之一")
        unit = data.get("unit", "person")
        if unit not in UNITS:
            self.fail(["unit"], f"unit 须为 {'、'.join(sorted(UNITS))} 之一")
        approval = data.get("approval", sorted(APPROVAL_STEPS))
        if not isinstance(approval, list) or any(step not in APPROVAL_STEPS for step in approval):
            self.fail(["approval"], f"approval 只能包含 {'、'.join(sorted(APPROVAL_STEPS))}")
            approval = []
        documents = data.get("documents", [])
        if not isinstance(documents, list) or not all(isinstance(d, str) for d in documents):
            self.fail(["documents"], "documents 须为文字列表")
            documents = []
        versions_raw = data.get("versions")
        versions: list[Version] = []
        if not isinstance(versions_raw, list) or not versions_raw:
            self.fail([], "至少需要一个 [[versions]] 版本")
        else:
            for n, item in enumerate(versions_raw):
                version = self.version(item, ["versions", n])
                if version is not None:
                    versions.append(version)
        names = [v.version for v in versions]
        for name in {n for n in names if names.count(n) > 1}:
            self.fail(["versions"], f"版本名 {name} 重复")
        for key in ("notice_days", "near_months"):
            if key in data and (not isinstance(data[key], int) or data[key] < 0):
                self.fail([key], f"{key} 须为非负整数")
        return Programme(
            id=pid,
            name=self.text(data, "name", ["name"]),
            region=self.text(data, "region", ["region"]),
            source=self.text(data, "source", ["source"]),
            subject=str(subject),
            unit=str(unit),
            continuing=bool(data.get("continuing", False)),
            documents=tuple(documents),
            approval=tuple(approval),
            notice_days=int(data.get("notice_days", 7)),
            near_months=int(data.get("near_months", 3)),
            versions=tuple(sorted(versions, key=lambda v: v.effective_from)),
            reported=dict(data.get("reported", {})),
            path=path,
        )


def parse(source: str, path: str = "<text>") -> Programme:
    """Parse and validate one rule file's text; raise RuleError naming the line of each mistake."""
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise RuleError(path, [(int(match.group(1)) if match else 0, f"TOML 格式错误：{exc}")]) from exc
    checker = _Checker(source)
    programme = checker.programme(data, path)
    if checker.problems:
        raise RuleError(path, checker.problems)
    return programme


def load_file(path: Path | str) -> Programme:
    path = Path(path)
    return parse(path.read_text(encoding="utf-8"), str(path))


_cache: dict[str, Programme] | None = None


def programmes(*, reload: bool = False) -> dict[str, Programme]:
    """Every shipped programme by id (loaded once per process; a bad file stops the load)."""
    global _cache
    if _cache is None or reload:
        loaded = {}
        for file in sorted(RULES_DIR.glob("*.toml")):
            programme = load_file(file)
            loaded[programme.id] = programme
        _cache = loaded
    return _cache


def get_programme(programme_id: str) -> Programme:
    try:
        return programmes()[programme_id]
    except KeyError as exc:
        raise KeyError(f"未知的项目 {programme_id}（可用：{'、'.join(sorted(programmes()))}）") from exc


def with_draft_amount(programme: Programme, version: Version, yuan: Decimal) -> Version:
    """A draft copy of ``version`` with a different base amount, for the what-if comparison."""
    amount = AmountRule(version.amount.per, yuan, version.amount.prorate, version.amount.cases)
    return Version(
        f"{version.version}-草案",
        version.effective_from,
        version.effective_to,
        version.conditions,
        amount,
        "草案",
    )
