"""Checking one row of an import: raw cells in, clean values out, or every problem of the row.

Each field is parsed on its own so that a row with three bad cells reports three errors, each naming
its column. Only checks that need no database live here; the engine resolves references in batches.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import partial
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.core.text import InputError, check_id_number, parse_whole_number

from ..codes import ContraceptiveMethod, HukouType, MaritalStatus, PersonStatus, Relation, Sex
from ..ethnicities import table as ethnicity_table
from ..models import Marriage
from ..validation import (
    Refusal,
    clean_text,
    id_warnings,
    identity_from_id,
    normalize_name,
    normalize_phone,
    parse_date,
    parse_sex,
)

MARITAL_WORDS = {
    "未婚": MaritalStatus.UNMARRIED,
    "已婚": MaritalStatus.MARRIED,
    "有配偶": MaritalStatus.MARRIED,
    "初婚": MaritalStatus.FIRST_MARRIAGE,
    "再婚": MaritalStatus.REMARRIED,
    "复婚": MaritalStatus.REUNITED,
    "丧偶": MaritalStatus.WIDOWED,
    "离婚": MaritalStatus.DIVORCED,
    "未说明": MaritalStatus.UNSTATED,
}
RELATION_WORDS = {
    "户主": Relation.HEAD,
    "本人": Relation.HEAD,
    "配偶": Relation.SPOUSE,
    "妻": Relation.SPOUSE,
    "妻子": Relation.SPOUSE,
    "夫": Relation.SPOUSE,
    "丈夫": Relation.SPOUSE,
    "子": Relation.CHILD,
    "女": Relation.CHILD,
    "儿子": Relation.CHILD,
    "女儿": Relation.CHILD,
    "子女": Relation.CHILD,
    "长子": Relation.CHILD,
    "长女": Relation.CHILD,
    "次子": Relation.CHILD,
    "次女": Relation.CHILD,
    "孙子": Relation.GRANDCHILD,
    "孙女": Relation.GRANDCHILD,
    "父亲": Relation.PARENT,
    "母亲": Relation.PARENT,
    "父母": Relation.PARENT,
    "其他": Relation.OTHER,
}
HUKOU_WORDS = {
    "农业": HukouType.AGRICULTURAL,
    "农业户口": HukouType.AGRICULTURAL,
    "非农业": HukouType.NON_AGRICULTURAL,
    "非农业户口": HukouType.NON_AGRICULTURAL,
    "居民": HukouType.UNIFIED,
    "居民户口": HukouType.UNIFIED,
}
STATUS_WORDS = {
    "在册": PersonStatus.ALIVE,
    "正常": PersonStatus.ALIVE,
    "现住": PersonStatus.ALIVE,
    "外出": PersonStatus.AWAY,
    "流出": PersonStatus.AWAY,
    "迁出": PersonStatus.MOVED_OUT,
    "死亡": PersonStatus.DEAD,
}
# 民族 by name as GB 3304 lists them (汉族 or 汉), from the table the screens show.
ETHNICITY_WORDS = {name.removesuffix("族"): code for code, (name, _english) in ethnicity_table().items()}
METHOD_WORDS = {
    "口服": ContraceptiveMethod.ORAL,
    "口服避孕药": ContraceptiveMethod.ORAL,
    "避孕药": ContraceptiveMethod.ORAL,
    "注射": ContraceptiveMethod.INJECTION,
    "避孕针": ContraceptiveMethod.INJECTION,
    "皮埋": ContraceptiveMethod.IMPLANT,
    "皮下埋植": ContraceptiveMethod.IMPLANT,
    "避孕套": ContraceptiveMethod.CONDOM,
    "安全套": ContraceptiveMethod.CONDOM,
    "外用": ContraceptiveMethod.EXTERNAL,
    "外用药": ContraceptiveMethod.EXTERNAL,
    "其他": ContraceptiveMethod.OTHER,
    "上环": ContraceptiveMethod.IUD,
    "放环": ContraceptiveMethod.IUD,
    "宫内节育器": ContraceptiveMethod.IUD,
    "女扎": ContraceptiveMethod.FEMALE_STERILISATION,
    "女性绝育": ContraceptiveMethod.FEMALE_STERILISATION,
    "女性绝育术": ContraceptiveMethod.FEMALE_STERILISATION,
    "男扎": ContraceptiveMethod.MALE_STERILISATION,
    "男性绝育": ContraceptiveMethod.MALE_STERILISATION,
    "男性绝育术": ContraceptiveMethod.MALE_STERILISATION,
}
MARRIAGE_KIND_WORDS = {
    "初婚": Marriage.Kind.FIRST,
    "再婚": Marriage.Kind.REMARRIAGE,
    "复婚": Marriage.Kind.REUNION,
}
YES_WORDS = {"是", "有", "1", "y", "yes", "true"}
NO_WORDS = {"", "否", "无", "0", "n", "no", "false"}


class RowProblems(Exception):
    def __init__(self, problems: list[tuple[str, Any, str]], clean: dict[str, Any] | None = None) -> None:
        self.problems = problems  # (field key, the cell as typed, reason)
        self.clean = clean or {}  # the fields that did parse, for the checks that need the database
        super().__init__(problems)


def word_or_code(words: dict[str, Any], codes: set[str], what: str) -> Callable[[Any], str]:
    """A parser for a coded column that also accepts the Chinese words people write."""

    def parse(value: Any) -> str:
        text = clean_text(value).replace(" ", "")
        if not text:
            return ""
        if text in codes:
            return text
        for suffix in ("", "族"):
            word = text.removesuffix("族") if suffix else text
            if word in words:
                return str(words[word])
        raise Refusal(what, _("“%(value)s” is not a known value") % {"value": text}, value)

    return parse


parse_marital = word_or_code(MARITAL_WORDS, {c.value for c in MaritalStatus}, "marital_status")
parse_relation = word_or_code(RELATION_WORDS, {c.value for c in Relation}, "relation_to_head")
parse_hukou = word_or_code(HUKOU_WORDS, {c.value for c in HukouType}, "hukou_type")
parse_status = word_or_code(STATUS_WORDS, {c.value for c in PersonStatus}, "status")
parse_ethnicity = word_or_code(ETHNICITY_WORDS, {f"{n:02d}" for n in range(1, 99)}, "ethnicity")
parse_method = word_or_code(METHOD_WORDS, {c.value for c in ContraceptiveMethod}, "method")
parse_marriage_kind = word_or_code(MARRIAGE_KIND_WORDS, {c.value for c in Marriage.Kind}, "kind")


def parse_village_code(value: Any) -> str:
    text = clean_text(value).replace(" ", "")
    if not text:
        return ""
    if not text.isdigit() or len(text) != 12:
        raise Refusal("village_code", _("must be the 12-digit code of a village"), value)
    return text


def parse_int(value: Any, *, low: int, high: int) -> int | None:
    try:
        return parse_whole_number(value, low=low, high=high)  # 3, "3.0", "３", "1,200"
    except InputError as error:
        raise Refusal("", error.reason, value) from None


def parse_yes_no(value: Any) -> bool:
    text = clean_text(value).lower()
    if text in YES_WORDS:
        return True
    if text in NO_WORDS:
        return False
    raise Refusal("", _("must be 是 or 否"), value)


def id_number_on(value: Any, *, today: datetime.date | None = None) -> str:
    """``normalize_id_number`` with the day the birth dates are checked against given, so that a file
    looks the day up once and not once an ID (the look-up of the local day was a quarter of the
    time spent checking an ID number)."""
    try:
        return check_id_number(value, today=today).number
    except InputError as error:
        raise Refusal("id_number", error.reason, error.value) from None


def optional_id_number_on(value: Any, *, today: datetime.date | None = None) -> str:
    return id_number_on(value, today=today) if clean_text(value) else ""


def _required(value: Any) -> Any:
    if clean_text(value) == "":
        raise Refusal("", _("is required"), value)
    return value


PARSERS: dict[str, dict[str, Callable[[Any], Any]]] = {
    "persons": {
        "name": normalize_name,
        "id_number": id_number_on,
        "sex": parse_sex,
        "birth_date": lambda v: parse_date(v, field="birth_date", required=False),
        "ethnicity": parse_ethnicity,
        "marital_status": parse_marital,
        "phone": normalize_phone,
        "household_number": lambda v: clean_text(v).replace(" ", ""),
        "relation_to_head": parse_relation,
        "village_code": parse_village_code,
        "address": clean_text,
        "hukou_type": parse_hukou,
        "status": parse_status,
    },
    "households": {
        "number": lambda v: clean_text(_required(v)).replace(" ", ""),
        "village_code": parse_village_code,
        "address": clean_text,
        "hukou_type": parse_hukou,
    },
    "marriages": {
        "husband_id": id_number_on,
        "wife_id": id_number_on,
        "date": parse_date,
        "kind": parse_marriage_kind,
        "certificate_number": clean_text,
        "divorce_date": lambda v: parse_date(v, required=False),
    },
    "births": {
        "mother_id": id_number_on,
        "father_id": optional_id_number_on,
        "child_name": normalize_name,
        "child_id": optional_id_number_on,
        "date": parse_date,
        "birth_order": lambda v: parse_int(v, low=1, high=20),
        "sex": lambda v: parse_sex(v, required=True),
        "weight_grams": lambda v: parse_int(v, low=300, high=8000),
        "has_defect": parse_yes_no,
        "place": clean_text,
    },
    "contraception": {
        "id_number": id_number_on,
        "method": lambda v: parse_method(_required(v)),
        "start_date": parse_date,
        "end_date": lambda v: parse_date(v, required=False),
        "provider": clean_text,
    },
}


def _persons_agree_with_id(clean: dict[str, Any]) -> list[tuple[str, Any, str]]:
    """Birth date and sex are written in the ID number; a row whose columns say otherwise is refused,
    and a row that leaves them empty takes them from the ID."""
    if not clean.get("id_number"):
        return []
    identity = identity_from_id(clean["id_number"])
    problems = []
    if clean.get("birth_date") and clean["birth_date"] != identity.birth_date:
        reason = _("does not agree with the ID number, which says %(expected)s") % {
            "expected": identity.birth_date.isoformat()
        }
        problems.append(("birth_date", clean["birth_date"], reason))
    if clean.get("sex") and clean["sex"] != identity.sex:
        reason = _("does not agree with the ID number, which says %(expected)s") % {
            "expected": Sex(identity.sex).label
        }
        problems.append(("sex", clean["sex"], reason))
    if not problems:
        clean["birth_date"], clean["sex"] = identity.birth_date, identity.sex
    return problems


ID_KEYS = ("id_number", "husband_id", "wife_id", "mother_id", "father_id", "child_id")


def id_row_warnings(clean: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(field key, ID number, warning) for each ID of an accepted row whose area code the clerk should
    check against the card (see core.text.id_area_warnings); the row is imported all the same."""
    return [
        (key, clean[key], warning) for key in ID_KEYS if clean.get(key) for warning in id_warnings(clean[key])
    ]


# Checks across the fields of one row, run on the fields that parsed (a field that did not is left
# out of the dict), so that a row's problems are all listed at once.
ROW_CHECKS: dict[str, Callable[[dict[str, Any]], list[tuple[str, Any, str]]]] = {
    "persons": _persons_agree_with_id,
}


REMEMBERED_VALUES = 50_000  # per column of one file


def _on(parse: Callable[..., Any], today: datetime.date) -> Callable[[Any], Any]:
    return partial(parse, today=today) if parse in (id_number_on, optional_id_number_on) else parse


def row_checker(kind: str, mapping: dict[str, int]) -> Callable[[list[Any]], dict[str, Any]]:
    """A function cleaning the mapped cells of one row, or raising RowProblems listing each bad cell.

    Most columns of a register repeat their values from row to row (the village, the sex, the
    group, the dates, the common names), so each column remembers what its text cells parsed to:
    at 100,000 rows this halves the time spent checking. Only text is remembered (1, 1.0 and True
    are equal as keys but not as cells), only values that parsed, and only up to a bound.
    """
    today = timezone.localdate()  # the file's day, for the ID numbers' dates of birth
    fields: list[tuple[str, int, Any, dict[Any, Any]]] = [
        (key, index, _on(PARSERS[kind][key], today), {}) for key, index in mapping.items()
    ]
    row_check = ROW_CHECKS.get(kind)

    def check(cells: list[Any]) -> dict[str, Any]:
        width = len(cells)
        clean: dict[str, Any] = {}
        problems: list[tuple[str, Any, str]] = []
        for key, index, parse, parsed in fields:
            value = cells[index] if index < width else None
            if type(value) is str and value in parsed:
                clean[key] = parsed[value]
                continue
            try:
                clean[key] = parse(value)
            except Refusal as refusal:
                problems.append((key, value, refusal.reason))
                continue
            if type(value) is str and len(parsed) < REMEMBERED_VALUES:
                parsed[value] = clean[key]
        if row_check is not None:
            problems += row_check(clean)
        if problems:
            # Quote each cell as typed (女, not the code 2 it was read as), in the file's column order.
            typed = [
                (key, cells[mapping[key]] if mapping[key] < width else None, why) for key, _v, why in problems
            ]
            typed.sort(key=lambda problem: mapping[problem[0]])
            raise RowProblems(typed, clean)
        warnings = id_row_warnings(clean)
        if warnings:
            clean["warnings"] = warnings
        return clean

    return check
