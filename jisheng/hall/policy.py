"""Reading and checking the hall's policy files (jisheng/policy/hall/*.toml) before anything is stored.

A file with mistakes is refused as a whole, every mistake named with its line, so a policy officer can
fix the file in one pass; nothing half-loaded reaches the portal.
"""

from __future__ import annotations

import datetime
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import Category, Level

POLICY_DIR = Path(__file__).resolve().parent.parent / "policy" / "hall"
STEP_KINDS = {"公示", "勘验", "鉴定", "听证", "专家评审", "上门核查"}
ITEM_REQUIRED = {
    "code": str,
    "name": str,
    "category": str,
    "summary": str,
    "legal_basis": str,
    "time_limit_counter": int,
    "time_limit_online": int,
    "fee": str,
    "fee_basis": str,
    "accepting_level": str,
    "approving_level": str,
    "may_refuse_at_intake": bool,
    "bookable": bool,
    "effective_from": datetime.date,
    "visits": int,
    "conditions": list,
}
ITEM_OPTIONAL = {
    "certificate": str,
    "effective_to": datetime.date,
    "legal_time_limit": int,
    "legal_time_limit_basis": str,
    "step": list,
    "material": list,
}
MATERIAL_REQUIRED = {"code": str, "name": str}
MATERIAL_OPTIONAL = {
    "registry": bool,
    "required": bool,
    "originals": int,
    "copies": int,
    "note": str,
    "form_fields": list,
}
STEP_REQUIRED = {"kind": str, "description": str, "days": int, "counted": bool}
OFFICE_REQUIRED = {"code": str, "name": str, "address": str, "phone": str}
DEFAULT_REQUIRED = {"hours": str, "phone": str, "complaint_phone": str, "complaint_channels": list}


class PolicyError(ValidationError):
    """A policy file with mistakes; every message reads ``file:line: what is wrong``."""


@dataclass(frozen=True)
class Catalogue:
    version: str
    items: list[dict[str, Any]]
    offices_version: str
    default_office: dict[str, Any]
    offices: list[dict[str, Any]]
    qa_version: str
    questions: list[dict[str, Any]]


class _Lines:
    """Where a value sits: tomllib keeps no positions, so headers and keys are found by scanning."""

    def __init__(self, text: str):
        self.lines = text.splitlines()

    def header(self, name: str, index: int, after: int = 0) -> int:
        pattern = re.compile(rf"^\s*\[\[\s*{re.escape(name)}\s*\]\]")
        seen = -1
        for number in range(after, len(self.lines)):
            if pattern.match(self.lines[number]):
                seen += 1
                if seen == index:
                    return number
        return after

    def key(self, key: str, after: int) -> int:
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for number in range(after, len(self.lines)):
            if number > after and self.lines[number].lstrip().startswith("[["):
                break
            if pattern.match(self.lines[number]):
                return number
        return after


class _Checker:
    def __init__(self, path: Path, text: str):
        self.path = path
        self.where = _Lines(text)
        self.problems: list[str] = []

    def fail(self, line: int, message: str) -> None:
        self.problems.append(f"{self.path.name}:{line + 1}: {message}")

    def fields(
        self,
        table: dict[str, Any],
        required: Mapping[str, type],
        optional: Mapping[str, type],
        start: int,
        what: str,
    ) -> None:
        for key in required:
            if key not in table:
                self.fail(start, _("%(what)s: “%(key)s” is missing") % {"what": what, "key": key})
        for key, value in table.items():
            kind = required.get(key) or optional.get(key)
            line = self.where.key(key, start)
            if kind is None:
                self.fail(line, _("%(what)s: “%(key)s” is not a known field") % {"what": what, "key": key})
            elif kind is int and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                self.fail(
                    line,
                    _("%(what)s: “%(key)s” must be a whole number not below 0") % {"what": what, "key": key},
                )
            elif kind is datetime.date and (
                not isinstance(value, datetime.date) or isinstance(value, datetime.datetime)
            ):
                self.fail(
                    line,
                    _("%(what)s: “%(key)s” must be a date such as 2021-08-19") % {"what": what, "key": key},
                )
            elif kind is not int and kind is not datetime.date and not isinstance(value, kind):
                self.fail(line, _("%(what)s: “%(key)s” has the wrong type") % {"what": what, "key": key})


def _read(path: Path) -> tuple[str, dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(
            [_("%(file)s: not valid TOML: %(error)s") % {"file": path.name, "error": exc}]
        ) from exc


def _check_item(check: _Checker, raw: dict[str, Any], index: int, codes: set[str]) -> None:
    start = check.where.header("item", index)
    what = _("item %(n)s") % {"n": index + 1}
    check.fields(raw, ITEM_REQUIRED, ITEM_OPTIONAL, start, what)
    code = raw.get("code")
    if isinstance(code, str):
        what = _("item “%(code)s”") % {"code": code}
        if code in codes:
            check.fail(start, _("%(what)s: the code is used twice") % {"what": what})
        codes.add(code)
    if raw.get("category") not in Category.values:
        check.fail(
            check.where.key("category", start),
            _("%(what)s: there is no category “%(category)s”")
            % {"what": what, "category": raw.get("category")},
        )
    for key in ("accepting_level", "approving_level"):
        if raw.get(key) not in Level.values:
            check.fail(
                check.where.key(key, start),
                _("%(what)s: “%(key)s” must be one of %(levels)s")
                % {"what": what, "key": key, "levels": "/".join(Level.values)},
            )
    try:
        fee = Decimal(str(raw.get("fee", "")))
    except InvalidOperation:
        fee = None
    if fee is None or fee < 0:
        check.fail(
            check.where.key("fee", start),
            _("%(what)s: the fee “%(fee)s” is not an amount") % {"what": what, "fee": raw.get("fee")},
        )
    if not str(raw.get("fee_basis", "")).strip():
        check.fail(
            check.where.key("fee_basis", start),
            _("%(what)s: state the basis of the fee or of its being free") % {"what": what},
        )
    legal = raw.get("legal_time_limit")
    for key in ("time_limit_counter", "time_limit_online"):
        promised = raw.get(key)
        if isinstance(legal, int) and isinstance(promised, int) and promised > legal:
            check.fail(
                check.where.key(key, start),
                _("%(what)s: the committed time limit may not exceed the legal one (%(days)s working days)")
                % {"what": what, "days": legal},
            )
    if legal is not None and not str(raw.get("legal_time_limit_basis", "")).strip():
        check.fail(
            check.where.key("legal_time_limit", start),
            _("%(what)s: state the basis of the legal time limit") % {"what": what},
        )
    start_on, end_on = raw.get("effective_from"), raw.get("effective_to")
    if isinstance(start_on, datetime.date) and isinstance(end_on, datetime.date) and end_on < start_on:
        check.fail(
            check.where.key("effective_to", start),
            _("%(what)s: the end date is before the start date") % {"what": what},
        )
    conditions = raw.get("conditions", [])
    if isinstance(conditions, list) and (
        not conditions or not all(isinstance(c, str) and c for c in conditions)
    ):
        check.fail(
            check.where.key("conditions", start),
            _("%(what)s: list at least one condition, as text") % {"what": what},
        )
    for number, step in enumerate(raw.get("step", []) or []):
        line = check.where.header("item.step", number, start)
        check.fields(
            step, STEP_REQUIRED, {}, line, _("%(what)s, special step %(n)s") % {"what": what, "n": number + 1}
        )
        if step.get("kind") not in STEP_KINDS:
            check.fail(
                line,
                _("%(what)s: the special step “%(kind)s” must be one of %(kinds)s")
                % {"what": what, "kind": step.get("kind"), "kinds": "、".join(sorted(STEP_KINDS))},
            )
    materials: set[str] = set()
    for number, material in enumerate(raw.get("material", []) or []):
        line = check.where.header("item.material", number, start)
        label = _("%(what)s, material %(n)s") % {"what": what, "n": number + 1}
        check.fields(material, MATERIAL_REQUIRED, MATERIAL_OPTIONAL, line, label)
        if material.get("code") in materials:
            check.fail(line, _("%(what)s: the code is used twice") % {"what": label})
        materials.add(str(material.get("code")))
        if not material.get("originals", 1) and not material.get("copies", 0):
            check.fail(line, _("%(what)s: originals and copies cannot both be 0") % {"what": label})
        fields = material.get("form_fields", [])
        if isinstance(fields, list) and not all(isinstance(f, str) and f for f in fields):
            check.fail(
                check.where.key("form_fields", line),
                _("%(what)s: the fields of the blank form must be text") % {"what": label},
            )


def _check_offices(check: _Checker, data: dict[str, Any]) -> None:
    default = data.get("default")
    if not isinstance(default, dict):
        check.fail(
            0, _("[default] is missing: office hours, the consultation phone and the complaint channels")
        )
    else:
        check.fields(default, DEFAULT_REQUIRED, {"name": str, "address": str}, 0, "[default]")
        channels = default.get("complaint_channels", [])
        if isinstance(channels, list) and not channels:
            check.fail(
                check.where.key("complaint_channels", 0), _("[default]: give at least one complaint channel")
            )
    seen: set[str] = set()
    for index, office in enumerate(data.get("office", [])):
        line = check.where.header("office", index)
        check.fields(office, OFFICE_REQUIRED, {"hours": str}, line, _("office %(n)s") % {"n": index + 1})
        code = str(office.get("code", ""))
        if not re.fullmatch(r"\d{12}", code):
            check.fail(
                check.where.key("code", line),
                _("office “%(code)s”: the code must be a 12-digit statistical area code") % {"code": code},
            )
        if code in seen:
            check.fail(line, _("office “%(code)s”: the code is used twice") % {"code": code})
        seen.add(code)


def load(directory: Path | None = None) -> Catalogue:
    """Read and check items.toml, offices.toml and qa.toml; raise PolicyError naming every mistake."""
    directory = directory or POLICY_DIR
    problems: list[str] = []
    parsed: dict[str, dict[str, Any]] = {}
    for name in ("items.toml", "offices.toml", "qa.toml"):
        path = directory / name
        try:
            text, data = _read(path)
        except PolicyError as exc:
            problems.extend(exc.messages)
            continue
        except OSError:
            problems.append(_("%(file)s: the file is missing or cannot be read") % {"file": name})
            continue
        check = _Checker(path, text)
        if not isinstance(data.get("version"), str):
            check.fail(0, _('version is missing (text, such as "2026.2")'))
        if name == "items.toml":
            codes: set[str] = set()
            for index, raw in enumerate(data.get("item", [])):
                _check_item(check, raw, index, codes)
        elif name == "offices.toml":
            _check_offices(check, data)
        else:
            for index, entry in enumerate(data.get("entry", [])):
                line = check.where.header("entry", index)
                check.fields(
                    entry,
                    {"code": str, "question": str, "answer": str, "source": str},
                    {"keywords": str},
                    line,
                    _("question %(n)s") % {"n": index + 1},
                )
        problems.extend(check.problems)
        parsed[name] = data
    if problems:
        raise PolicyError(problems)
    items, offices, qa = parsed["items.toml"], parsed["offices.toml"], parsed["qa.toml"]
    return Catalogue(
        version=items["version"],
        items=items.get("item", []),
        offices_version=offices["version"],
        default_office=offices["default"],
        offices=offices.get("office", []),
        qa_version=qa["version"],
        questions=qa.get("entry", []),
    )
