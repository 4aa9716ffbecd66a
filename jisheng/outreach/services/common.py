"""What every outreach service shares: refusals naming the field, dates checked against today."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from jisheng.core.crypto.fields import SealedCharField, SealedTextField
from jisheng.core.text import clean_text, parse_number


def plain_fields(model: Any) -> list[str]:
    """The fields an audit snapshot of ``model`` copies: all but the sealed ones. Health findings and
    visit notes are sealed at rest; the trail names the step and who took it, and does not copy the
    finding into its rows in the clear (a reveal of one record is audited on its own)."""
    return [
        field.name
        for field in model._meta.concrete_fields
        if not isinstance(field, SealedCharField | SealedTextField)
    ]


def refuse(field: str, message: str) -> ValidationError:
    """A refusal naming the field as the form labels it."""
    return ValidationError({field: [message]})


def text(value: Any, *, field: str, max_length: int, required: bool = False) -> str:
    cleaned = clean_text(value)
    if required and not cleaned:
        raise refuse(field, _("This is required."))
    if len(cleaned) > max_length:
        raise refuse(field, _("At most %(n)s characters.") % {"n": max_length})
    return cleaned


def past_date(value: datetime.date | None, *, field: str) -> datetime.date:
    """A date that has happened: not in the future, not absurdly old."""
    if value is None:
        raise refuse(field, _("This is required."))
    today = timezone.localdate()
    if value > today:
        raise refuse(field, _("%(day)s is in the future.") % {"day": value.isoformat()})
    if value.year < 2000:
        raise refuse(field, _("%(day)s is too long ago.") % {"day": value.isoformat()})
    return value


def amount(value: Any, *, field: str, allow_zero: bool = True) -> decimal.Decimal:
    try:
        number = parse_number(value, required=True)
    except ValidationError as exc:
        raise refuse(field, " ".join(exc.messages)) from None
    assert number is not None
    number = number.quantize(decimal.Decimal("0.01"))
    if number < 0 or (number == 0 and not allow_zero):
        raise refuse(field, _("Must be more than zero.") if not allow_zero else _("Cannot be negative."))
    if number >= decimal.Decimal("1e10"):
        raise refuse(field, _("Too large."))
    return number


def client_id(value: str | None) -> str | None:
    cleaned = clean_text(value or "")
    if not cleaned:
        return None
    if len(cleaned) > 64:
        raise refuse("client_id", _("At most %(n)s characters.") % {"n": 64})
    return cleaned
