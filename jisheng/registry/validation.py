"""Cleaning and checking what people type and what spreadsheets contain, before anything is saved.

Every check raises ``Refusal`` naming the field and the reason (in the active language, Chinese by
default), so a form, a service and the import engine all report the same words. The functions are
small and pure: the import engine calls them once per cell, 10,000 rows a second.
"""

from __future__ import annotations

import datetime
import re
from functools import lru_cache
from typing import Any, NamedTuple

from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from jisheng.core.text import normalize_text

from .codes import Sex

# A mother younger than this or older than that at a birth is a typing error, not a fact.
MIN_MOTHER_AGE = 14
MAX_MOTHER_AGE = 60
EXCEL_EPOCH = datetime.date(1899, 12, 30)
# Excel serials of 1900-01-01 … 2099-12-31: a bare number in that range in a date column is a serial.
EXCEL_SERIAL_RANGE = (1, 73050)

SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
ID_SHAPE = re.compile(r"\d{17}[\dX]")
SERIAL_TEXT = re.compile(r"\d{1,5}(\.0+)?")
PHONE_SHAPE = re.compile(r"\+?\d{7,15}")
DATE_PATTERNS = [
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?$"),
    re.compile(r"^(\d{4})[./\-](\d{1,2})[./\-](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
SEX_BY_PARITY = (str(Sex.FEMALE), str(Sex.MALE))  # the 17th digit of an ID is odd for men
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


def field_label(field: str) -> str:
    labels = {
        "id_number": _("resident ID number"),
        "name": _("name"),
        "sex": _("sex"),
        "birth_date": _("date of birth"),
        "phone": _("phone"),
        "date": _("date"),
        "birth_order": _("birth order"),
        "mother": _("mother"),
    }
    return labels.get(field, field)


def clean_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return normalize_text(str(value))


def normalize_id_number(value: Any, *, field: str = "id_number") -> str:
    """Return the 18-character ID with an upper-case X, or refuse with the reason.

    Excel keeps 15 significant digits, so an ID typed into a number cell comes back as 4.1172319850302E+17
    or with its last digits turned to zeros: the number is already lost and only re-typing it into a
    text column helps, which is what the refusal says.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise Refusal(field_label(field), excel_lost_digits(), value)
    text = normalize_text(str(value or "")).replace(" ", "").upper()
    if not text:
        raise Refusal(field_label(field), _("is required"), value)
    if SCIENTIFIC.match(text):
        raise Refusal(field_label(field), excel_lost_digits(), value)
    if not ID_SHAPE.fullmatch(text):
        raise Refusal(field_label(field), _("must be 18 characters: 17 digits and a digit or X"), value)
    check_ok = ric.calc_check_digit(text) == text[17]
    # Sequence number 000 is never issued, and an ID ending in 000 with a wrong check digit is what
    # Excel leaves of an 18-digit number: both mean the digits were lost, not mistyped.
    if text[14:17] == "000" or (not check_ok and text.endswith("000")):
        raise Refusal(field_label(field), excel_lost_digits(), value)
    if not check_ok:
        raise Refusal(field_label(field), _("the check digit is wrong (a typing error?)"), value)
    try:
        birth = datetime.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise Refusal(field_label(field), _("contains an impossible date of birth"), value) from None
    if not place_existed(text[:6], birth.year):
        raise Refusal(
            field_label(field),
            _("area code %(code)s did not exist in %(year)s, the year of birth")
            % {"code": text[:6], "year": birth.year},
            value,
        )
    return text


@lru_cache(maxsize=8192)
def place_existed(area_code: str, year: int) -> bool:
    """Whether stdnum's code list has this area code in use in that year. An ID keeps the code of the
    place of first registration: 平舆县 was 412827 until 2000 and is 411723 since."""
    try:
        ric.get_birth_place(f"{area_code}{year}0101001")
    except ValidationError:
        return False
    return True


def excel_lost_digits() -> str:
    return _(
        "the ID number was stored as a number and Excel has lost its last digits; "
        "format the column as text and type the number again"
    )


def identity_from_id(id_number: str) -> Identity:
    birth = datetime.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    return Identity(id_number, birth, SEX_BY_PARITY[int(id_number[16]) % 2])


def parse_date(value: Any, *, field: str = "date", required: bool = True) -> datetime.date | None:
    """A date from a cell: a date object, an Excel serial, or 1985年3月2日 / 1985.3.2 / 1985/3/2 /
    1985-03-02 / 19850302 (full-width digits too)."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_serial(value, field)
    text = normalize_text(str(value or ""))
    if not text:
        if required:
            raise Refusal(field_label(field), _("is required"), value)
        return None
    if SERIAL_TEXT.fullmatch(text):
        return _from_serial(float(text), field)
    for pattern in DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
            try:
                return datetime.date(year, month, day)
            except ValueError:
                raise Refusal(field_label(field), _("is not a real date"), value) from None
    raise Refusal(
        field_label(field), _("is not a date; write it as 1985-03-02, 1985年3月2日 or 1985/3/2"), value
    )


def _from_serial(value: float, field: str) -> datetime.date:
    if not (EXCEL_SERIAL_RANGE[0] <= value <= EXCEL_SERIAL_RANGE[1]):
        raise Refusal(
            field_label(field), _("is not a date; write it as 1985-03-02, 1985年3月2日 or 1985/3/2"), value
        )
    return EXCEL_EPOCH + datetime.timedelta(days=int(value))


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
    text = clean_text(value).replace(" ", "").replace("-", "")
    if not text:
        return ""
    if not PHONE_SHAPE.fullmatch(text):
        raise Refusal(field_label("phone"), _("must be a telephone number of 7 to 15 digits"), value)
    return text


def normalize_name(value: Any) -> str:
    text = clean_text(value).replace(" ", "")
    if not text:
        raise Refusal(field_label("name"), _("is required"), value)
    if len(text) > 32:
        raise Refusal(field_label("name"), _("is longer than 32 characters"), value)
    return text


def check_identity(*, id_number: Any, birth_date: Any = None, sex: Any = None) -> Identity:
    """The ID number decides the birth date and sex; a stated birth date or sex must agree with it."""
    number = normalize_id_number(id_number)
    identity = identity_from_id(number)
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
    today = today or datetime.date.today()
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
    are read in seconds.
    """
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


def mask_id(id_number: str) -> str:
    """411723********1234: the area and the last four, enough to tell people apart on a list."""
    if len(id_number) < 10:
        return "*" * len(id_number)
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]


def mask_phone(phone: str) -> str:
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
