"""The exchange's settings: each read from Django's settings, else from the environment, else a default.

JISHENG_EXCHANGE_SELF_CODE    this deployment's area code (e.g. 411723); default: the root of the area tree
JISHENG_EXCHANGE_SELF_NAME    its name as peers list it; default: that area's name
JISHENG_EXCHANGE_MAX_SKEW_SECONDS  how far a message's time may be from ours over the network (600)
JISHENG_EXCHANGE_FILE_MAX_AGE_DAYS  how old a signed batch file may be when imported (60)
JISHENG_EXCHANGE_SEND_ON_COMMIT   "0": only the periodic `exchange-send` sends (default "1": also right away)
JISHENG_EXCHANGE_KEY_GRACE_DAYS  how long a peer's replaced key still verifies messages in flight (7)
JISHENG_EXCHANGE_TEST_KINDS   "1": register the test-only kind ``test.echo`` (two-instance tests, bench)
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings


def _get(name: str, default: str) -> Any:
    if hasattr(settings, name):
        return getattr(settings, name)
    return os.environ.get(name, default)


def _flag(name: str, default: str) -> bool:
    value = _get(name, default)
    return value if isinstance(value, bool) else str(value).strip().lower() in {"1", "true", "yes", "on"}


def self_code_setting() -> str:
    return str(_get("JISHENG_EXCHANGE_SELF_CODE", "")).strip()


def self_name_setting() -> str:
    return str(_get("JISHENG_EXCHANGE_SELF_NAME", "")).strip()


def max_skew_seconds() -> int:
    return int(_get("JISHENG_EXCHANGE_MAX_SKEW_SECONDS", "600"))


def file_max_age_days() -> int:
    return int(_get("JISHENG_EXCHANGE_FILE_MAX_AGE_DAYS", "60"))


def send_on_commit() -> bool:
    return _flag("JISHENG_EXCHANGE_SEND_ON_COMMIT", "1")


def test_kinds() -> bool:
    return _flag("JISHENG_EXCHANGE_TEST_KINDS", "0")


def key_grace_days() -> float:
    return float(_get("JISHENG_EXCHANGE_KEY_GRACE_DAYS", "7"))
