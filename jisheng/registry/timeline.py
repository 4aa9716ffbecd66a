"""The other apps' entries on the person file (一人一档), read in one statement.

An app that shows a person's history on the file gives its AppConfig two methods:

- ``person_timeline_rows(person, user)``: a list of querysets of its own models, each already narrowed
  to what the user may see (``visible_to(user)``) and to the person, passed through :func:`rows` so that
  every one has the same columns (a kind, the row's key, dates and a few label fields);
- ``person_timeline_entries(rows)``: the file's entries (date, title, detail, link) made from its
  :class:`Row` objects; the text is the app's own (translations included).

The registry runs the querysets of every app as ONE ``UNION ALL`` statement and hands each app its
rows: it imports no app (the apps import this module, which sits below them). An app's own
``person_timeline(person, user)`` is :func:`entries_of` over its two methods, for callers that want
that app's entries alone.
"""

from __future__ import annotations

import datetime
import decimal
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from django.db.models import (
    BigIntegerField,
    CharField,
    DateField,
    DateTimeField,
    DecimalField,
    F,
    QuerySet,
    Value,
)
from django.db.models.functions import Cast

# The uniform columns, in order: their names cannot clash with a model's field.
_TYPES: dict[str, Any] = {
    "day": DateField(),
    "day2": DateField(),
    "moment": DateTimeField(),
    "ref": BigIntegerField(),
    "number": BigIntegerField(),
    "amount": DecimalField(max_digits=14, decimal_places=2),
    "text1": CharField(),
    "text2": CharField(),
    "text3": CharField(),
    "text4": CharField(),
}
COLUMNS = ("timeline_source", "timeline_pk", *(f"timeline_{name}" for name in _TYPES))
CENTS = decimal.Decimal("0.01")


class Row(NamedTuple):
    """One row of an app's timeline query: ``source`` is ``"<app label>.<kind>"``, ``pk`` the row's
    key; the other fields are what the app put in them (None where it put nothing)."""

    source: str
    pk: int
    day: datetime.date | None
    day2: datetime.date | None
    moment: datetime.datetime | None
    ref: int | None
    number: int | None
    amount: decimal.Decimal | None
    text1: str | None
    text2: str | None
    text3: str | None
    text4: str | None

    @property
    def kind(self) -> str:
        return self.source.split(".", 1)[1]

    @property
    def yuan(self) -> str:
        """The amount as the models' two-decimal field shows it (SQLite returns 300 for 300.00)."""
        return "" if self.amount is None else str(decimal.Decimal(self.amount).quantize(CENTS))


def rows(queryset: QuerySet[Any], kind: str, **fields: str) -> QuerySet[Any]:
    """``queryset`` as timeline rows of ``kind``: each keyword (day, day2, moment, ref, number, amount,
    text1 … text4) names the field, or the path across a relation (``"batch__created_at"``),
    that fills that column; the columns not named are typed NULLs. Any ordering is dropped (the
    statement is a union; the file sorts by date)."""
    unknown = set(fields) - set(_TYPES)
    if unknown:
        raise TypeError(f"no timeline column {sorted(unknown)}")
    source = f"{queryset.model._meta.app_label}.{kind}"
    columns: dict[str, Any] = {
        "timeline_source": Value(source, output_field=CharField()),
        "timeline_pk": F("pk"),
    }
    for name, output in _TYPES.items():
        path = fields.get(name)
        columns[f"timeline_{name}"] = F(path) if path else Cast(Value(None), output_field=output)
    return queryset.order_by().annotate(**columns).values(*COLUMNS)


def read(querysets: Sequence[QuerySet[Any]]) -> list[Row]:
    """The rows of every queryset, in one statement (none when there is nothing to read)."""
    if not querysets:
        return []
    first, *rest = querysets
    combined = first.union(*rest, all=True) if rest else first
    return [Row(*(values[column] for column in COLUMNS)) for values in combined]


def grouped(rows_read: Iterable[Row]) -> dict[str, list[Row]]:
    """The rows by app label."""
    by_app: dict[str, list[Row]] = defaultdict(list)
    for row in rows_read:
        by_app[row.source.split(".", 1)[0]].append(row)
    return by_app


def entries_of(config: Any, person: Any, user: Any) -> list[dict[str, Any]]:
    """One app's entries alone (its rows in one statement of its own)."""
    return list(config.person_timeline_entries(read(config.person_timeline_rows(person, user))))
