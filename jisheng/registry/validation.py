"""Cleaning and checking what people type and what spreadsheets contain, before anything is saved.

The cleaning itself (IDs, phones, names, numbers, dates) lives in ``jisheng.core.text``, the one
normalisation module every app uses; here its ``InputError`` becomes a ``Refusal`` naming the field,
so a form, a service and the import engine all report the same words (in the active language,
Chinese by default). The functions are small and pure: the import engine calls them once per cell,
10,000 rows a second. The registry's own rules (a stated sex agreeing with the ID, a birth fitting
the mother's life) and the search columns of a name live here too.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple, TypeVar

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from pypinyin import Style, lazy_pinyin

from jisheng.core import text as core_text
from jisheng.core.masking import mask_id as mask_id
from jisheng.core.masking import mask_phone as mask_phone
from jisheng.core.text import InputError, clean_text, simplified

from .codes import Sex

# A mother younger than this or older than that at a birth is a typing error, not a fact.
MIN_MOTHER_AGE = 14
MAX_MOTHER_AGE = 60
SEX_WORDS = {
    "男": Sex.MALE,
    "1": Sex.MALE,
    "m": Sex.MALE,
    "male": Sex.MALE,
    "女": Sex.FEMALE,
    "2": Sex.FEMALE,
    "f": Sex.FEMALE,
    "female": Sex.FEMALE,
}

# Surnames whose reading differs from the character's everyday reading (单 is shan as a surname, dan
# otherwise). The name is indexed under both, because people type either.
SURNAME_READINGS = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "区": "ou",
    "朴": "piao",
    "查": "zha",
    "盖": "ge",
    "乐": "yue",
    "覃": "qin",
    "缪": "miao",
    "翟": "zhai",
    "尉": "yu",
    "召": "shao",
    "种": "chong",
    "员": "yun",
    "繁": "po",
    "长孙": "zhangsun",
    "尉迟": "yuchi",
}


class Refusal(ValueError):
    """A value that cannot be accepted: which field, what was given, and why (a sentence)."""

    def __init__(self, field: str, reason: str, value: Any = "") -> None:
        self.field = field
        self.reason = reason
        self.value = value
        super().__init__(f"{field}: {reason}")


class Identity(NamedTuple):
    id_number: str
    birth_date: datetime.date
    sex: str
    # Sentences for the clerk about the ID's area code; they never refuse (see core.text).
    warnings: tuple[str, ...] = ()


def field_label(field: str) -> str:
    labels = {
        "id_number": _("resident ID number"),
        "name": pgettext("person", "name"),
        "sex": _("sex"),
        "birth_date": _("date of birth"),
        "phone": _("phone"),
        "date": _("date"),
        "birth_order": _("birth order"),
        "mother": _("mother"),
    }
    return labels.get(field, field)


T = TypeVar("T")


def _as_refusal(field: str, clean: Callable[[], T]) -> T:
    """Run one of core.text's cleaners, turning its InputError into a Refusal naming the field."""
    try:
        return clean()
    except InputError as error:
        raise Refusal(field_label(field), error.reason, error.value) from None


def check_id(value: Any, *, field: str = "id_number") -> Identity:
    """The ID number checked by GB 11643 (see core.text.check_id_number), with its area warnings."""
    checked = _as_refusal(field, lambda: core_text.check_id_number(value))
    return Identity(checked.number, checked.birth_date, checked.sex, checked.warnings)


def normalize_id_number(value: Any, *, field: str = "id_number") -> str:
    """Return the 18-character ID with an upper-case X, or refuse with the reason."""
    return check_id(value, field=field).id_number


def id_warnings(id_number: str) -> tuple[str, ...]:
    """The area warnings of a stored (already checked) ID number, for pages and import reports."""
    if len(id_number) != 18 or not id_number[6:10].isdigit():
        return ()
    return core_text.id_area_warnings(id_number[:6], int(id_number[6:10]))


def excel_lost_digits() -> str:
    return core_text.excel_lost_digits()


def identity_from_id(id_number: str) -> Identity:
    birth = datetime.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    return Identity(id_number, birth, str(Sex.MALE) if int(id_number[16]) % 2 else str(Sex.FEMALE))


def parse_date(value: Any, *, field: str = "date", required: bool = True) -> datetime.date | None:
    """A date from a cell: a date object, an Excel serial, or 1985年3月2日 / 1985.3.2 / 1985/3/2 /
    1985-03-02 / 19850302 (full-width digits too)."""
    return _as_refusal(field, lambda: core_text.parse_date(value, required=required))


def parse_sex(value: Any, *, required: bool = False) -> str | None:
    text = clean_text(value).lower()
    if not text:
        if required:
            raise Refusal(field_label("sex"), _("is required"), value)
        return None
    sex = SEX_WORDS.get(text)
    if sex is None:
        raise Refusal(field_label("sex"), _("must be 男 or 女"), value)
    return str(sex)


def normalize_phone(value: Any) -> str:
    return _as_refusal("phone", lambda: core_text.normalize_phone(value))


def normalize_name(value: Any) -> str:
    return _as_refusal("name", lambda: core_text.normalize_name(value))


def check_identity(*, id_number: Any, birth_date: Any = None, sex: Any = None) -> Identity:
    """The ID number decides the birth date and sex; a stated birth date or sex must agree with it."""
    identity = check_id(id_number)
    stated_birth = parse_date(birth_date, field="birth_date", required=False)
    if stated_birth is not None and stated_birth != identity.birth_date:
        raise Refusal(
            field_label("birth_date"),
            _("%(stated)s does not agree with the ID number, which says %(expected)s")
            % {"stated": stated_birth.isoformat(), "expected": identity.birth_date.isoformat()},
            birth_date,
        )
    stated_sex = parse_sex(sex)
    if stated_sex is not None and stated_sex != identity.sex:
        raise Refusal(
            field_label("sex"),
            _("does not agree with the ID number (its 17th digit says %(expected)s)")
            % {"expected": Sex(identity.sex).label},
            sex,
        )
    return identity


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def check_birth(
    *,
    mother_birth_date: datetime.date,
    date: datetime.date,
    birth_order: int,
    other_births: list[tuple[datetime.date, int]],
    today: datetime.date | None = None,
) -> None:
    """A birth must fit the mother's life and her other births: no mother aged 9, no second child
    born before the first. ``other_births`` are the mother's recorded (date, order) pairs."""
    today = today or timezone.localdate()
    if date > today:
        raise Refusal(field_label("date"), _("lies in the future"), date)
    age = age_on(mother_birth_date, date)
    if age < MIN_MOTHER_AGE or age > MAX_MOTHER_AGE:
        raise Refusal(
            field_label("date"),
            _("the mother would have been %(age)s years old at this birth") % {"age": age},
            date,
        )
    if birth_order < 1 or birth_order > 20:
        raise Refusal(field_label("birth_order"), _("must be between 1 and 20"), birth_order)
    for other_date, other_order in other_births:
        if other_order == birth_order and other_date != date:
            raise Refusal(
                field_label("birth_order"),
                _("the mother already has birth number %(order)s, born on %(date)s")
                % {"order": other_order, "date": other_date.isoformat()},
                birth_order,
            )
        if (other_order < birth_order and other_date > date) or (
            other_order > birth_order and other_date < date
        ):
            raise Refusal(
                field_label("birth_order"),
                _("birth number %(order)s cannot come before or after birth number %(other)s of %(date)s")
                % {"order": birth_order, "other": other_order, "date": other_date.isoformat()},
                birth_order,
            )


@lru_cache(maxsize=65536)
def name_readings(name: str) -> tuple[str, str, str | None, str | None]:
    """(pinyin, initials, alternative pinyin, alternative initials) of a name, lower-case ASCII.

    The first reading uses the surname reading (单 shan); the alternative is the everyday reading
    (单 dan) when it differs, None when it does not, so that whichever one a user types finds the
    person. Characters are read one by one (cached): a name is not a phrase, and a million names
    are read in seconds. A name in traditional characters is read in simplified ones (張 as 张), where
    the table of surname readings applies.
    """
    name = simplified(name)
    everyday = [reading for reading in (_char_reading(ch) for ch in name) if reading]
    surname_chars, surname_reading = _surname(name)
    if surname_reading:
        rest = [reading for reading in (_char_reading(ch) for ch in name[len(surname_chars) :]) if reading]
        preferred = [surname_reading, *rest]
    else:
        preferred = everyday
    pinyin = "".join(preferred)
    initials = "".join(s[0] for s in preferred)
    alt_pinyin = "".join(everyday)[:128]
    alt_initials = "".join(s[0] for s in everyday)[:32]
    return (
        pinyin[:128],
        initials[:32],
        alt_pinyin if alt_pinyin != pinyin[:128] else None,
        alt_initials if alt_initials != initials[:32] else None,
    )


def search_columns(name: str) -> tuple[str, str, str | None, str | None, str | None]:
    """Person's derived search columns in model order: the readings, then the simplified key (None
    when the name has no traditional character). Services, imports and bulk loads all fill them here."""
    return (*name_readings(name), core_text.name_search_key(name))


@lru_cache(maxsize=32768)
def _char_reading(char: str) -> str:
    readings = lazy_pinyin(char, style=Style.NORMAL, errors="ignore")
    reading = readings[0].lower() if readings else ""
    return reading if reading.isascii() and reading.isalpha() else ""


def _surname(name: str) -> tuple[str, str]:
    if name[:2] in SURNAME_READINGS:
        return name[:2], SURNAME_READINGS[name[:2]]
    if name[:1] in SURNAME_READINGS:
        return name[:1], SURNAME_READINGS[name[:1]]
    return "", ""
