"""What the floating population's services share: the limits, the refusals, places."""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from jisheng.areas.codes import normalize_code
from jisheng.core.text import InputError, clean_text, normalize_phone
from jisheng.registry import services as registry
from jisheng.registry.codes import ContraceptiveMethod
from jisheng.registry.validation import Refusal, mask_id, mask_phone

from ..models import (
    NotApplicable,
)
from ..provinces import PROVINCE_NAMES

CERTIFICATE_KIND = "流动人口婚育证明"
# Verification requests: urgent ones (a pregnant woman) are due in 15 working days, others in 30; Art. 16:
# a request is sent within 7 working days of learning the facts.
URGENT_DAYS = 15
NORMAL_DAYS = 30
SEND_WITHIN_DAYS = 7
# A destination code must start with a province's code, even when this deployment knows nothing else of
# the area.
PROVINCES = frozenset(PROVINCE_NAMES)
CONTRACEPTION_CHOICES = {**dict(ContraceptiveMethod.choices), **dict(NotApplicable.choices)}


def certificate_validity_years() -> int:
    """How long a 婚育证明 is valid: the Django setting MIGRANT_CERTIFICATE_YEARS, else the environment's
    JISHENG_MIGRANT_CERTIFICATE_YEARS, else 3 (the common period)."""
    value = getattr(settings, "MIGRANT_CERTIFICATE_YEARS", None) or os.environ.get(
        "JISHENG_MIGRANT_CERTIFICATE_YEARS"
    )
    try:
        years = int(value or 3)
    except ValueError:
        years = 3
    return max(1, min(years, 10))


def _refuse(field: str, reason: str) -> ValidationError:
    return ValidationError(f"“{field}”: {reason}")


@contextmanager
def _registry_says() -> Iterator[None]:
    """The registry refuses with its own ``Refusal`` (naming the field); here it becomes the same
    ValidationError every refusal of this app is, so pages and the API show it instead of failing."""
    try:
        yield
    except Refusal as refusal:
        raise _refuse(refusal.field, refusal.reason) from refusal


# --- places --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Destination:
    code: str  # 12 digits, padded
    name: str


def destination_from_text(text: str) -> Destination:
    """Where a person goes: an area code anywhere in China (6 digits for a county, 2/4/9/12 accepted),
    optionally followed by a name, or a current area name of this deployment. The code's province
    must exist; a code of this deployment's own tree must be a current area."""
    with _registry_says():
        place = registry.place_from_text(text)
    if not place.code:
        raise _refuse(
            pgettext("migrant", "destination"), _("give the area code of the place (6 digits for a county)")
        )
    code = normalize_code(place.code)
    if code[:2] not in PROVINCES:
        raise _refuse(
            pgettext("migrant", "destination"),
            _("“%(code)s” is not the code of a place in China") % {"code": place.code},
        )
    return Destination(
        code=code, name=(place.area.full_name() if place.area is not None else place.name)[:100]
    )


def _contraception(value: str) -> str:
    value = clean_text(value)
    if value and value not in CONTRACEPTION_CHOICES:
        raise _refuse(_("contraceptive measure"), _("unknown measure “%(value)s”") % {"value": value})
    return value


def _phone(value: str, field: str) -> str:
    try:
        return normalize_phone(value) if clean_text(value) else ""
    except InputError as exc:
        raise _refuse(field, exc.reason) from exc


def _today() -> datetime.date:
    return timezone.localdate()


def _masked(snapshot: dict[str, Any]) -> dict[str, Any]:
    """An audit snapshot with the phones and ID numbers masked: they are sealed at rest, and the trail
    says which number, not the number."""
    for key in ("phone", "contact_phone"):
        if snapshot.get(key):
            snapshot[key] = mask_phone(str(snapshot[key]))
    for key in ("person_id_number", "holder_id_number", "child_id_number"):
        if snapshot.get(key):
            snapshot[key] = mask_id(str(snapshot[key]))
    return snapshot
