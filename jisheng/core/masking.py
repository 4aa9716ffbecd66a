"""Masking personal data for screens, lists, notices and audit rows: one set of rules for every app.

An ID number keeps its first six characters (the issuing area, which the list shows anyway) and its
last four (enough to tell two people on one page apart); a phone keeps its network prefix and last
four digits; a name keeps its first and last characters. A value too short to keep both ends is
starred whole: a malformed number must not come out in clear because it failed to look like one.
"""

from __future__ import annotations

ID_KEEP_HEAD, ID_KEEP_TAIL = 6, 4
PHONE_KEEP_HEAD, PHONE_KEEP_TAIL = 3, 4


def _keep_ends(value: str, head: int, tail: int) -> str:
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


def mask_id(id_number: str) -> str:
    """411723********1234."""
    return _keep_ends(id_number, ID_KEEP_HEAD, ID_KEEP_TAIL)


def mask_phone(phone: str) -> str:
    """138****5678."""
    return _keep_ends(phone, PHONE_KEEP_HEAD, PHONE_KEEP_TAIL)


def mask_name(name: str) -> str:
    """张*, 欧阳*锋: a two-character name keeps its surname only."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
