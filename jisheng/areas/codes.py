"""Statistical division codes (GB/T 2260 and the NBS 12-digit extension).

A code is 12 digits once padded: province 2, city 4, county 6, township 9, village 12. An area's
significant prefix is its code cut to its level's length, and every area below it shares that prefix,
so "everything below X" is the closed range [prefix000…, prefix999…] on an indexed text column.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from jisheng.core.text import normalize_text

CODE_LENGTH = 12
PREFIX_LENGTH = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}


def normalize_code(raw: str | int) -> str:
    """Accept 6, 9 or 12 digits (full-width too) and return the 12-digit padded code."""
    text = normalize_text(str(raw)).replace(" ", "")
    if not text.isdigit() or len(text) not in (2, 4, 6, 9, 12):
        raise ValidationError(_("Area code “%(code)s” must be 2, 4, 6, 9 or 12 digits.") % {"code": raw})
    return text.ljust(CODE_LENGTH, "0")


def level_of(code: str) -> int:
    """The level of a padded code: 1 province … 5 village, read from where the zeros start."""
    for level in (1, 2, 3, 4):
        if code[PREFIX_LENGTH[level] :].strip("0") == "":
            return level
    return 5


def prefix_of(code: str) -> str:
    return code[: PREFIX_LENGTH[level_of(code)]]


def parent_code_of(code: str) -> str | None:
    level = level_of(code)
    if level == 1:
        return None
    return code[: PREFIX_LENGTH[level - 1]].ljust(CODE_LENGTH, "0")


def code_range(prefix: str) -> tuple[str, str]:
    """The closed range of padded codes that start with prefix."""
    return prefix.ljust(CODE_LENGTH, "0"), prefix.ljust(CODE_LENGTH, "9")
