"""Two lookups the ORM lacks.

``field__per_row__<lookup>``: the condition is checked on each row another index found, never read from
an index of its own, on SQLite (as ``+column``, SQLite's documented way to keep a term off an index).
SQLite has no statistics: given a person's area range and a name prefix side by side, it reads the
area's index and checks every person of a county for "zs". Other databases weigh the indexes
themselves and get the plain condition.

``field__any_of=[...]``: membership in a long list, sent as one array parameter on PostgreSQL.
``__in`` with 5,000 values makes PostgreSQL parse and plan 5,000 parameters; ``= ANY(%s)`` with one
array parameter answers the same question in about half the time (measured on the import's ID look-up
at one million persons). Other databases get the usual IN list. Text and integer fields (ids) have it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, Field, IntegerField, Lookup, Transform


@Field.register_lookup
class PerRow(Transform):
    lookup_name = "per_row"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        lhs, params = compiler.compile(self.lhs)
        return lhs, list(params)

    def as_sqlite(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        lhs, params = compiler.compile(self.lhs)
        return f"+{lhs}", list(params)

    @property
    def output_field(self) -> Any:  # type: ignore[override]
        return self.lhs.output_field


@CharField.register_lookup
@IntegerField.register_lookup
class AnyOf(Lookup):
    lookup_name = "any_of"

    def get_prep_lookup(self) -> Any:
        return [self.lhs.output_field.get_prep_value(value) for value in self.rhs]

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if not values:
            return "1 = 0", []
        placeholders = ", ".join(["%s"] * len(values))
        return f"{lhs} IN ({placeholders})", [*lhs_params, *values]

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*lhs_params, list(self.rhs)]
