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
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

from django.db.models import (
    BigIntegerField,
    CharField,
    DateField,
    DateTimeField,
    DecimalField,
    Expression,
    F,
    QuerySet,
    Value,
)

from jisheng.core.kept_statements import KeptStatements

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
# PostgreSQL's names of the columns' types: a branch's NULL names its type, so that the union's column
# has one type whichever branch comes first.
_SQL_TYPES = {
    "day": "date",
    "day2": "date",
    "moment": "timestamp with time zone",
    "ref": "bigint",
    "number": "bigint",
    "amount": "numeric",
    "text1": "text",
    "text2": "text",
    "text3": "text",
    "text4": "text",
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


class _Null(Expression):
    """A typed NULL column. It refers to nothing, so resolving it in a query is itself: the empty
    columns of each branch cost no copies (this is most of building a branch)."""

    def __init__(self, sql_type: str, output_field: Any) -> None:
        super().__init__(output_field=output_field)
        self.sql_type = sql_type

    def resolve_expression(self, *args: Any, **kwargs: Any) -> _Null:
        return self

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        return ("NULL" if connection.vendor == "sqlite" else f"CAST(NULL AS {self.sql_type})"), ()


_NULLS = {name: _Null(_SQL_TYPES[name], output) for name, output in _TYPES.items()}


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
    for name in _TYPES:
        path = fields.get(name)
        columns[f"timeline_{name}"] = F(path) if path else _NULLS[name]
    return queryset.order_by().annotate(**columns).values(*COLUMNS)


def _union(querysets: Sequence[QuerySet[Any]]) -> QuerySet[Any] | None:
    """The querysets as one ``UNION ALL`` (None for none)."""
    if not querysets:
        return None
    first, *rest = querysets
    return first.union(*rest, all=True) if rest else first


def read(querysets: Sequence[QuerySet[Any]]) -> list[Row]:
    """The rows of every queryset, in one statement (none when there is nothing to read)."""
    combined = _union(querysets)
    if combined is None:
        return []
    return [Row(*(values[column] for column in COLUMNS)) for values in combined]


# A person key no row holds: the kept statement is compiled for it, and run with the person's key.
SENTINEL = -7_301_234_567_891
_statements = KeptStatements(bound=512)


def read_kept(gather: Callable[[Any], Sequence[QuerySet[Any]]], person: Any, user: Any) -> list[Row]:
    """``read(gather(person))``, the statement compiled once and kept: building and compiling the
    apps' querysets cost far more than running them. The apps' rows depend on the person's key, the
    user's area (``visible_to``) and the capabilities the user holds (an app that shows nothing to a
    reader without its capability), so the statement is kept by database, area and capabilities and
    compiled for :data:`SENTINEL` in place of the person's key."""
    from jisheng.accounts import permissions
    from jisheng.accounts.permissions import Capability
    from jisheng.areas.scoping import user_prefix

    model = type(person)
    held = frozenset(capability for capability in Capability if permissions.holds(user, capability))
    statement = _statements.statement(
        (user_prefix(user), held),
        lambda key: _union(gather(model(pk=key))),
        using=model.objects.db,
        placeholder=SENTINEL,
    )
    return [Row(*values) for values in statement.rows(person.pk, convert=True)]


def grouped(rows_read: Iterable[Row]) -> dict[str, list[Row]]:
    """The rows by app label."""
    by_app: dict[str, list[Row]] = defaultdict(list)
    for row in rows_read:
        by_app[row.source.split(".", 1)[0]].append(row)
    return by_app


def entries_of(config: Any, person: Any, user: Any) -> list[dict[str, Any]]:
    """One app's entries alone (its rows in one statement of its own)."""
    return list(config.person_timeline_entries(read(config.person_timeline_rows(person, user))))
