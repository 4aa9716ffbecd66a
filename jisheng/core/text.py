"""The one place where what people type and what spreadsheets hold is cleaned: text, codes, ID numbers,
phones, names, numbers and dates.

Every form, import, API operation and look-up cleans its input here, so a value accepted at the
portal is accepted at the counter and in a spreadsheet, and a look-up finds what a form stored.
A value that cannot be accepted raises ``InputError``, a Django ``ValidationError`` (so a form field
shows it as it is) carrying the reason in the active language (Chinese by default) and the value as
it was typed. The functions are pure and cheap: an import calls them once a cell, 10,000 rows a second.
"""

from __future__ import annotations

import datetime
import decimal
import re
import unicodedata
from functools import lru_cache
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

# ---- text -----------------------------------------------------------------------------------------


def normalize_text(value: str) -> str:
    """Full-width to half-width (NFKC), collapse inner runs of white space, strip the ends.

    NFKC turns full-width digits and letters (１２３ＡＢＣ) into ASCII and the ideographic space into a
    plain one, while leaving Chinese characters untouched.
    """
    return " ".join(unicodedata.normalize("NFKC", value).split())


def clean_text(value: Any) -> str:
    """A cell or field as text: None is empty, the float 3.0 a spreadsheet gives for 3 is "3"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return normalize_text(str(value))


def normalize_code(value: Any) -> str:
    """A number people copy by hand (ID, certificate, application, household number) as it is stored:
    half-width, upper case, without the spaces people put between groups of digits."""
    return clean_text(value).replace(" ", "").upper()


class InputError(ValidationError):
    """A value that cannot be accepted: ``reason`` is a sentence in the active language, ``value`` what
    was typed. A form shows it on its field; registry.validation turns it into a Refusal naming the
    field."""

    def __init__(self, reason: str, value: Any = "") -> None:
        super().__init__(reason, code="invalid")
        self.reason = reason
        self.value = value


def _required() -> InputError:
    return InputError(_("is required"))


# ---- resident ID numbers (公民身份号码, GB 11643-1999) -------------------------------------------------

ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")  # ASCII: `\d` would take any script's digits
SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
# ISO 7064 MOD 11-2, as GB 11643 §8 gives it: digit i (from the left, 1-based) weighs 2^(18-i) mod 11,
# and the check character is the one that makes the weighted sum ≡ 1 (mod 11); 10 is written X.
ID_WEIGHTS = tuple(pow(2, 17 - index, 11) for index in range(17))
ID_CHECK_CHARACTERS = "10X98765432"
MALE, FEMALE = "1", "2"  # GB/T 2261.1, the codes the registry stores


class IdNumber(NamedTuple):
    """A checked ID number and what it says. ``warnings`` are sentences for the clerk about the area
    part, which never refuses a number (see ``id_area_warnings``)."""

    number: str
    birth_date: datetime.date
    sex: str
    warnings: tuple[str, ...] = ()


def id_check_character(number: str) -> str:
    """The 18th character that the first 17 digits call for (GB 11643 §6.2, ISO 7064 MOD 11-2).

    The standard's weights are 2¹⁷ … 2¹ modulo 11 (``ID_WEIGHTS``), and 13 is 2 modulo 11, so the
    weighted sum is twice the 17 digits read as a number in base 13, modulo 11: one ``int()`` instead
    of seventeen products (a tenth of the time; an import checks every row's number).
    """
    body = number[:17]
    if len(body) != 17 or not body.isascii() or not body.isdigit():
        raise ValueError("the first 17 characters of an ID number are digits")
    return ID_CHECK_CHARACTERS[2 * int(body, 13) % 11]


def excel_lost_digits() -> str:
    return _(
        "the ID number was stored as a number and Excel has lost its last digits; "
        "format the column as text and type the number again"
    )


def check_id_number(value: Any, *, today: datetime.date | None = None) -> IdNumber:
    """Normalise and check an ID number: shape, check digit, birth date (a real day, not in the
    future) and sex are strict; the area part only yields warnings.

    Accepts full-width digits, a lower-case x and spaces between groups. Excel keeps 15 significant
    digits, so an ID typed into a number cell comes back as 4.1172319850302E+17 or with its last digits
    turned to zeros: the number is already lost and only re-typing it into a text column helps.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise InputError(excel_lost_digits(), value)
    text = normalize_code(value)
    if not text:
        raise InputError(_("is required"), value)
    if SCIENTIFIC.match(text):
        raise InputError(excel_lost_digits(), value)
    if not ID_SHAPE.fullmatch(text):
        raise InputError(_("must be 18 characters: 17 digits and a digit or X"), value)
    check_ok = id_check_character(text) == text[17]
    # Sequence number 000 is never issued, and an ID ending in 000 with a wrong check digit is what
    # Excel leaves of an 18-digit number: both mean the digits were lost, not mistyped.
    if text[14:17] == "000" or (not check_ok and text.endswith("000")):
        raise InputError(excel_lost_digits(), value)
    if not check_ok:
        raise InputError(_("the check digit is wrong (a typing error?)"), value)
    try:
        birth = datetime.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise InputError(_("contains an impossible date of birth"), value) from None
    if birth > (today or timezone.localdate()) or birth.year < 1850:
        raise InputError(_("contains an impossible date of birth"), value)
    sex = MALE if int(text[16]) % 2 else FEMALE  # the sequence number is odd for men
    return IdNumber(text, birth, sex, id_area_warnings(text[:6], birth.year))


def id_area_warnings(area_code: str, birth_year: int) -> tuple[str, ...]:
    """What the clerk should know about the area part of an ID number; empty when it is ordinary.

    GB 11643 §5.1: the address code is the administrative division code (GB/T 2260) of the county
    where the holder's household was registered when the number was first issued, and the number never
    changes afterwards. So it is information, not a gate: a 平舆县 resident born in 1988 whose number
    was first issued after 2000 carries 411723, a code in use only since 2000, and that is normal. A
    code missing from the list, or retired before the holder was born, is more likely a typing error,
    and says so; the number is accepted all the same.
    """
    finding = _area_finding(area_code, birth_year)
    if finding is None:
        return ()
    kind, place, year = finding
    values = {"code": area_code, "place": place, "year": year, "birth_year": birth_year}
    if kind == "unknown":
        return (
            _(
                "area code %(code)s is not in the list of administrative division codes; check the first six digits"
            )
            % values,
        )
    if kind == "later":
        return (
            _(
                "area code %(code)s (%(place)s) came into use in %(year)s, after the year of birth "
                "%(birth_year)s: usual when the number was first issued after the code changed"
            )
            % values,
        )
    return (
        _(
            "area code %(code)s (%(place)s) was retired in %(year)s, before the year of birth "
            "%(birth_year)s; check the first six digits"
        )
        % values,
    )


@lru_cache(maxsize=16384)
def _area_finding(area_code: str, birth_year: int) -> tuple[str, str, int] | None:
    """(kind, place, year) or None: cached as data, worded in the caller's language each time.

    The list of codes and the years each was in use is the one python-stdnum ships (from GB/T 2260
    and its yearly changes); only the list is used, not stdnum's verdict, which refuses such numbers.
    """
    from stdnum import numdb

    info: dict[str, str] = {}
    for _part, props in numdb.get("cn/loc").info(area_code):
        info.update(props)
    county = info.get("county")
    if not county:
        return ("unknown", "", 0)
    later: list[tuple[int, str]] = []
    retired: list[tuple[int, str]] = []
    for entry in county.split(","):
        if not entry.startswith("["):
            return None  # in use with no known start or end
        span, place = entry[1:].split("]", 1)
        start, end = span.split("-")
        if start and birth_year < int(start):
            later.append((int(start), place))
        elif end and birth_year > int(end):
            retired.append((int(end), place))
        else:
            return None
    if later:
        year, place = min(later)
        return ("later", place, year)
    year, place = max(retired)
    return ("retired", place, year)


# ---- phones -----------------------------------------------------------------------------------------

PHONE_SEPARATORS = re.compile(r"[\s\-()./]")
PHONE_SHAPE = re.compile(r"\+?\d{7,15}")


def normalize_phone(value: Any) -> str:
    """A telephone number as digits: full-width digits, spaces, dashes, brackets and the country
    prefix (+86, 0086, 86 before a mobile number) removed; a foreign number keeps its +."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = PHONE_SEPARATORS.sub("", clean_text(value))
    if not text:
        return ""
    for prefix in ("+86", "0086"):
        if text.startswith(prefix) and text[len(prefix) :].isdigit():
            text = text[len(prefix) :]
            break
    if len(text) == 13 and text.startswith("861"):
        text = text[2:]
    if not PHONE_SHAPE.fullmatch(text):
        raise InputError(_("must be a telephone number of 7 to 15 digits"), value)
    return text


# ---- names ------------------------------------------------------------------------------------------

# The dot between the parts of a Uyghur or foreign name is typed in many ways; the register writes ·.
NAME_DOTS = str.maketrans({"•": "·", "‧": "·", "・": "·", "･": "·", ".": "·", "ˑ": "·"})


def normalize_name(value: Any, *, max_length: int = 32) -> str:
    """A person's name as written (traditional characters stay traditional), without spaces."""
    text = clean_text(value).replace(" ", "").translate(NAME_DOTS)
    if not text:
        raise _required()
    if len(text) > max_length:
        raise InputError(_("is longer than %(max)s characters") % {"max": max_length}, value)
    return text


@lru_cache(maxsize=1)
def _converter() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def simplified(text: str) -> str:
    """Text in simplified characters (OpenCC, traditional to simplified, phrase by phrase)."""
    if text.isascii():
        return text
    return str(_converter().convert(text))


def name_search_key(name: str) -> str | None:
    """The simplified form of a name written with traditional characters, None when it is the name
    itself: 張偉 is found when someone types 张伟."""
    key = simplified(name)
    return key if key != name else None


# ---- numbers ----------------------------------------------------------------------------------------

THOUSANDS = re.compile(r"(?<=\d)[,，'](?=\d{3})")


def parse_number(value: Any, *, required: bool = False) -> decimal.Decimal | None:
    """A number from a cell or a field: 1,234.50 / １２３４ / 1 234 / the float a spreadsheet gives."""
    if isinstance(value, bool):
        raise InputError(_("must be a number"), value)
    if isinstance(value, int):
        return decimal.Decimal(value)
    if isinstance(value, float):
        return decimal.Decimal(repr(value))
    text = THOUSANDS.sub("", clean_text(value)).replace(" ", "")
    if not text:
        if required:
            raise _required()
        return None
    try:
        number = decimal.Decimal(text)
    except decimal.InvalidOperation:
        raise InputError(_("must be a number"), value) from None
    if not number.is_finite():
        raise InputError(_("must be a number"), value)
    return number


def parse_whole_number(
    value: Any, *, low: int | None = None, high: int | None = None, required: bool = False
) -> int | None:
    """A whole number (3, "3", "3.0", "３"), optionally within [low, high]."""
    number = parse_number(value, required=required)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise InputError(_("must be a whole number"), value)
    whole = int(number)
    if (low is not None and whole < low) or (high is not None and whole > high):
        raise InputError(_("must be between %(low)s and %(high)s") % {"low": low, "high": high}, value)
    return whole


# ---- dates ------------------------------------------------------------------------------------------

EXCEL_EPOCH = datetime.date(1899, 12, 30)
# Excel serials of 1900-01-01 … 2099-12-31: a bare number in that range in a date column is a serial.
EXCEL_SERIAL_RANGE = (1, 73050)
SERIAL_TEXT = re.compile(r"\d{1,5}(\.0+)?")
DATE_PATTERNS = [
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?$"),
    re.compile(r"^(\d{4})[./\-](\d{1,2})[./\-](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]


def date_advice() -> str:
    return _("is not a date; write it as 1985-03-02, 1985年3月2日 or 1985/3/2")


def parse_date(value: Any, *, required: bool = True, serials: bool = True) -> datetime.date | None:
    """A date as people and spreadsheets write it: a date object, 1985年3月2日, 1985.3.2, 1985/3/2,
    1985-03-02, 19850302 (full-width digits too) and, where ``serials``, an Excel serial (31108).
    Empty gives None, or "is required" when ``required``."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not serials:
            raise InputError(date_advice(), value)
        return _from_serial(value)
    text = clean_text(value)
    if not text:
        if required:
            raise _required()
        return None
    if serials and SERIAL_TEXT.fullmatch(text):
        return _from_serial(float(text))
    for pattern in DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
            try:
                return datetime.date(year, month, day)
            except ValueError:
                raise InputError(_("is not a real date"), value) from None
    raise InputError(date_advice(), value)


def _from_serial(value: float) -> datetime.date:
    if not (EXCEL_SERIAL_RANGE[0] <= value <= EXCEL_SERIAL_RANGE[1]):
        raise InputError(date_advice(), value)
    return EXCEL_EPOCH + datetime.timedelta(days=int(value))
