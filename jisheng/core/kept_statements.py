"""Statements compiled once and kept, run again with another key.

Some reads are cheap to run and dear to build: the case page's short lists, the queue's rows, the
person file's ``UNION ALL`` of every app's rows. Building their querysets and compiling them cost more
than running them, and what changes from one view to the next is only a key (the case's, the
person's). Such a read is compiled once, for a *placeholder* key no row has, and its SQL and parameters
are kept in this process; each run binds the real key in the placeholder's place.

Why it is safe:

- The key is only ever a bound parameter. The SQL text is what Django compiled for the placeholder,
  and the real key replaces the placeholder among the *parameters*, never in the SQL: a key like
  ``"1; DROP TABLE"`` is compared with a column, as any parameter is.
- The placeholder is checked when the statement is compiled: the read is built twice, for the
  placeholder and for another value, and must give the same SQL, with parameters that differ exactly
  where the first has the placeholder. A placeholder that also occurs among the other parameters (a
  limit, a code, an area prefix equal to it), a read that ignores its key or uses it other than as a
  parameter (its SQL changes, or ``key + 1`` is bound) is refused with ``ValueError``, never bound
  in the wrong place.
- The statement is kept under the database alias (the alias names the vendor, and a replica is an
  alias of its own) and the caller's key parts. These must name everything that changes the SQL's
  shape or its other parameters: which read it is, the reader's area (``visible_to``), the
  capabilities they hold, the status, limit and flags of a list. A read whose shape depends on
  something more (a search's filters) is not kept: :func:`compile_statement` compiles it each time.
- Each store holds at most ``bound`` statements; past it the oldest is dropped (and compiled again at
  its next use), so readers of many areas cannot grow the process without end.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

from .planner import fixed_rows, preparing_cursor

# Builds the read for a key (the placeholder, or None for a read that takes none).
Build = Callable[[Any], "QuerySet[Any] | None"]


@dataclass(frozen=True, slots=True)
class Shape:
    """How a row of a model read becomes an instance, as Django's ``ModelIterable`` does it: the
    model's columns (``start``:``end``, their attribute names), the ``select_related`` objects'
    populators and the annotations' positions. Nothing in it belongs to a connection or a thread."""

    start: int
    end: int
    names: tuple[str, ...]
    related: tuple[Any, ...]
    annotations: tuple[tuple[str, int], ...]
    # The statement reads nothing but the model's columns and then its annotations (no related object,
    # no extra column): what ``raw()`` would make of its rows, ``objects`` makes the same.
    plain: bool = False


@dataclass(frozen=True, slots=True)
class Statement:
    """A compiled read: ``sql`` with ``params``, the placeholder's positions among them (``slots``),
    the database it runs on, its model and the converters of its columns. An empty ``sql`` reads
    nothing (the read had no query to make)."""

    using: str
    sql: str
    params: tuple[Any, ...] = ()
    slots: tuple[int, ...] = ()
    model: type[Model] | None = None
    converters: dict[int, Any] = field(default_factory=dict)
    shape: Shape | None = None
    # A read keyed by several values (a placeholder that is a tuple): which of the key's values goes in
    # each slot. Empty: the key is one value, in every slot.
    parts: tuple[int, ...] = ()

    def bound(self, value: Any = None) -> tuple[str, list[Any]]:
        """The SQL and its parameters with ``value`` in the placeholder's place (each of its values in
        its own places, for a key of several)."""
        params = list(self.params)
        if self.parts:
            for slot, part in zip(self.slots, self.parts, strict=True):
                params[slot] = value[part]
        else:
            for slot in self.slots:
                params[slot] = value
        return self.sql, params

    def rows(
        self, value: Any = None, *, convert: bool = False, prepare: bool = False
    ) -> list[tuple[Any, ...]]:
        """The rows as the database driver gives them; with ``convert``, each column passed through
        Django's converters for its field (dates on SQLite, decimals, …) as a queryset would. With
        ``prepare``, PostgreSQL prepares the statement once a connection (``core.planner``): only for a
        read whose plan does not depend on its values, or for one that takes no key (its values are
        then written into it: ``planner.fixed_rows``)."""
        if not self.sql:
            return []
        sql, params = self.bound(value)
        connection = connections[self.using]
        if prepare and not self.slots:  # no key: its values never change, planned once for them
            fetched = fixed_rows(connection, sql, params)
        else:
            with preparing_cursor(connection) if prepare else connection.cursor() as cursor:
                cursor.execute(sql, params)
                fetched = cursor.fetchall()
        if not convert or not self.converters:
            return fetched
        result: list[tuple[Any, ...]] = []
        for values in fetched:
            row = list(values)
            for position, (functions, expression) in self.converters.items():
                cell = row[position]
                for function in functions:
                    cell = function(cell, expression, connection)
                row[position] = cell
            result.append(tuple(row))
        return result

    def instances(self, value: Any, *, prepare: bool = False) -> list[Any]:
        """The rows as model instances, annotations as attributes. A read of the model's own columns
        and annotations is made into instances by its shape, as ``objects`` does (the instances
        ``raw()`` gives, the model's fields through the same converters, the annotations as the
        queryset itself gives them), without ``raw()``'s work at each run: reading the cursor's
        description (on PostgreSQL a column object each, its type looked up) and matching its columns
        to fields by name. Any other read goes through ``raw()``, unprepared; ``prepare`` as for
        ``rows``."""
        if not self.sql or self.model is None:
            return []
        if self.shape is not None and self.shape.plain:
            return self.objects(value, prepare=prepare)
        sql, params = self.bound(value)
        return list(self.model._default_manager.raw(sql, params, using=self.using))

    def objects(self, value: Any, *, prepare: bool = False) -> list[Any]:
        """The rows as the queryset itself would give its model instances, with the objects of its
        ``select_related`` attached and its annotations set (``raw()`` can attach no related object)."""
        shape = self.shape
        if not self.sql or self.model is None or shape is None:
            return []
        result: list[Any] = []
        for row in self.rows(value, convert=True, prepare=prepare):
            instance = self.model.from_db(self.using, shape.names, row[shape.start : shape.end])
            for populator in shape.related:
                populator.populate(row, instance)
            for name, position in shape.annotations:
                setattr(instance, name, row[position])
            result.append(instance)
        return result


def _compiled(queryset: QuerySet[Any]) -> tuple[str, tuple[Any, ...], dict[int, Any], Shape | None]:
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    fields = [column[0] for column in compiler.select[0 : compiler.col_count]]
    shape = None
    klass_info = compiler.klass_info
    # A read of model instances (its model's own columns), not of values.
    if klass_info is not None and compiler.query.default_cols and klass_info.get("select_fields"):
        select = compiler.select
        positions = klass_info["select_fields"]
        start, end = positions[0], positions[-1] + 1
        # Django 5.2's signature (the stubs already describe a later one's).
        related = tuple(get_related_populators(klass_info, select, queryset.db))  # type: ignore[call-arg]
        annotations = tuple(compiler.annotation_col_map.items())
        shape = Shape(
            start=start,
            end=end,
            names=tuple(column[0].target.attname for column in select[start:end]),
            related=related,
            annotations=annotations,
            plain=(
                start == 0
                and not related
                and sorted(position for _name, position in annotations) == list(range(end, len(select)))
            ),
        )
    return sql, tuple(params), compiler.get_converters(fields), shape


Placeholder = int | str | tuple[int | str, ...]


def compile_statement(build: Build, *, using: str, placeholder: Placeholder | None = None) -> Statement:
    """``build(placeholder)`` compiled. Without a placeholder the read takes no key (``build`` is
    called with None). With one, the read is built a second time for another value to find where the
    key goes; a placeholder found anywhere else among the parameters, or a key that changes the SQL
    or is not among the parameters, raises ``ValueError``. A placeholder that is a tuple keys the read
    by several values (``build`` gets a tuple of as many): each is checked the same way, built once
    more with that value alone changed, and bound in its own places."""
    if placeholder is None:
        queryset = build(None)
        if queryset is None:
            return Statement(using=using, sql="")
        sql, params, converters, shape = _compiled(queryset)
        return Statement(
            using=queryset.db,
            sql=sql,
            params=params,
            model=queryset.model,
            converters=converters,
            shape=shape,
        )
    if isinstance(placeholder, tuple):
        return _compile_keyed(build, using=using, placeholder=placeholder)
    # One value: a key of one, bound as itself (no parts).
    return replace(
        _compile_keyed(lambda key: build(key[0]), using=using, placeholder=(placeholder,)), parts=()
    )


def _compile_keyed(build: Build, *, using: str, placeholder: tuple[int | str, ...]) -> Statement:
    """``compile_statement`` of a read keyed by ``placeholder``'s values (see there)."""
    if len(set(placeholder)) != len(placeholder):
        raise ValueError("the values of a kept statement's placeholder must differ")
    queryset = build(placeholder)
    if queryset is None:
        return Statement(using=using, sql="")
    sql, params, converters, shape = _compiled(queryset)
    slots: list[int] = []
    parts: list[int] = []
    for part, value in enumerate(placeholder):
        found = tuple(position for position, param in enumerate(params) if _same(param, value))
        other = value - 1 if isinstance(value, int) else f"{value}~"
        probe = build(tuple(other if index == part else kept for index, kept in enumerate(placeholder)))
        probe_sql, probe_params = _compiled(probe)[:2] if probe is not None else ("", ())
        differing = tuple(
            position
            for position, (first, second) in enumerate(zip(params, probe_params, strict=False))
            if not _same(first, second)
        )
        if (
            probe_sql != sql
            or len(probe_params) != len(params)
            or not found
            or differing != found
            or any(not _same(probe_params[slot], other) for slot in found)
        ):
            raise ValueError(
                f"a kept statement must take its key only as parameters, and its placeholder's value "
                f"{value!r} must be no other parameter's value"
            )
        slots += found
        parts += [part] * len(found)
    return Statement(
        using=queryset.db,
        sql=sql,
        params=params,
        slots=tuple(slots),
        model=queryset.model,
        converters=converters,
        shape=shape,
        parts=tuple(parts),
    )


def _same(first: Any, second: Any) -> bool:
    # 1 == True and 0 == 0.0 in Python: a parameter equals the placeholder only with its type.
    return type(first) is type(second) and first == second


class KeptStatements:
    """The kept statements of one kind of read, in this process, at most ``bound`` of them."""

    def __init__(self, bound: int) -> None:
        if bound < 1:
            raise ValueError("a store of kept statements holds at least one")
        self.bound = bound
        self._kept: dict[tuple[Hashable, ...], Statement] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._kept)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()

    def statement(
        self, key: tuple[Hashable, ...], build: Build, *, using: str, placeholder: Placeholder | None = None
    ) -> Statement:
        """The statement kept for ``using`` and ``key``, compiled by :func:`compile_statement` at its
        first use. ``key`` must name everything ``build`` depends on but the key it is given."""
        full_key = (using, *key)
        kept = self._kept.get(full_key)
        if kept is not None:
            return kept
        kept = compile_statement(build, using=using, placeholder=placeholder)
        with self._lock:
            while len(self._kept) >= self.bound:
                del self._kept[next(iter(self._kept))]
            self._kept[full_key] = kept
        return kept

    def instances(
        self,
        key: tuple[Hashable, ...],
        build: Build,
        value: Any,
        *,
        using: str,
        placeholder: int | str,
        prepare: bool = False,
    ) -> list[Any]:
        """``build(value)``'s rows as model instances, through the statement kept for ``key``;
        ``prepare`` as for ``Statement.instances``."""
        return self.statement(key, build, using=using, placeholder=placeholder).instances(
            value, prepare=prepare
        )

    def objects(
        self,
        key: tuple[Hashable, ...],
        build: Build,
        value: Any,
        *,
        using: str,
        placeholder: int | str,
        prepare: bool = False,
    ) -> list[Any]:
        """``build(value)``'s model instances as the queryset gives them (its ``select_related``
        objects attached), through the statement kept for ``key``; ``prepare`` as for ``rows``."""
        return self.statement(key, build, using=using, placeholder=placeholder).objects(
            value, prepare=prepare
        )
