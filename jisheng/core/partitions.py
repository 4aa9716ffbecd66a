"""Person-level tables partitioned by county on PostgreSQL (``PARTITION BY LIST (county_code)``).

A partitioned model carries a ``county_code`` (:class:`CountyCodeField`: the first six digits of the
area code, derived on every insert and save from the field that holds the area) and names it in
``partition_county_field``, so that scoped reads of a county or below add ``county_code = …`` and the
planner reads one county's partition only (``jisheng.areas.scoping``).

On PostgreSQL the table is converted by a migration (:func:`convert_table`: create the partitioned
table, move the rows, swap the names, re-create indexes and outgoing foreign keys), with one partition
per county of the deployment and a default partition for codes outside it. SQLite keeps plain tables;
every function here does nothing there.

PostgreSQL cannot reference a partitioned table's ``id`` alone (a unique key must include the
partition key), so every foreign key to a partitioned model is declared with ``db_constraint=False``
and the services keep the references right (they decide every write).
"""

from __future__ import annotations

import re
from typing import Any

from django.db import models

DEFAULT = "default"
COUNTY_CODE = re.compile(r"^\d{6}$")

# Partitioned tables and their partition key column, in the order they were converted.
PARTITIONED_TABLES: dict[str, str] = {
    "registry_person": "county_code",
    "registry_birth": "county_code",
    "registry_marriage": "county_code",
    "registry_contraception": "county_code",
    "registry_residenceperiod": "county_code",
    "registry_household": "county_code",
}


class CountyCodeField(models.CharField):
    """The county (first six digits of the area code) of the area held in ``source``, kept by the model
    itself: Django calls ``pre_save`` on every insert (bulk ones too) and on every save that names the
    field, so no service can forget it."""

    def __init__(self, *args: Any, source: str = "", **kwargs: Any) -> None:
        self.source = source
        kwargs.setdefault("max_length", 6)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("default", "")
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key, value in (("max_length", 6), ("editable", False), ("default", ""), ("blank", True)):
            if kwargs.get(key) == value:
                kwargs.pop(key)
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        field = model_instance._meta.get_field(self.source)
        assert isinstance(field, models.Field)
        code = getattr(model_instance, field.attname) or ""
        value = str(code)[:6]
        setattr(model_instance, self.attname, value)
        return value


def partition_name(table: str, county: str) -> str:
    return f"{table}_{county}"


def _is_postgresql(connection: Any) -> bool:
    return bool(connection.vendor == "postgresql")


def _partitioned(cursor: Any, table: str) -> bool:
    cursor.execute(
        "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid WHERE c.relname = %s",
        [table],
    )
    return cursor.fetchone() is not None


def _exists(cursor: Any, table: str) -> bool:
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
    return bool(cursor.fetchone()[0])


def add_county(connection: Any, county: str) -> list[str]:
    """Give a county its own partition of every partitioned table; idempotent. Rows of that county
    already in the default partition move into the new one (in the caller's transaction). Returns
    the partitions created. Does nothing on SQLite."""
    if not COUNTY_CODE.match(county):
        raise ValueError(f"a county code is six digits: {county!r}")
    created: list[str] = []
    if not _is_postgresql(connection):
        return created
    with connection.cursor() as cursor:
        for table, key in PARTITIONED_TABLES.items():
            if not _partitioned(cursor, table):
                continue
            name = partition_name(table, county)
            if _exists(cursor, name):
                continue
            default = partition_name(table, DEFAULT)
            # CREATE … PARTITION OF would be refused while the default partition holds rows of this
            # county: build the table, move the rows, then attach it.
            cursor.execute(f'CREATE TABLE "{name}" (LIKE "{table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)')
            if _exists(cursor, default):
                cursor.execute(f'INSERT INTO "{name}" SELECT * FROM "{default}" WHERE "{key}" = %s', [county])
                cursor.execute(f'DELETE FROM "{default}" WHERE "{key}" = %s', [county])
            cursor.execute(f'ALTER TABLE "{table}" ATTACH PARTITION "{name}" FOR VALUES IN (\'{county}\')')
            created.append(name)
    return created


def counties_with_partitions(connection: Any, table: str) -> list[str]:
    """The counties that have a partition of ``table`` (empty on SQLite)."""
    if not _is_postgresql(connection):
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s ORDER BY c.relname",
            [table],
        )
        names = [row[0] for row in cursor.fetchall()]
    prefix = f"{table}_"
    return [n[len(prefix) :] for n in names if n.startswith(prefix) and COUNTY_CODE.match(n[len(prefix) :])]


def _triggers(cursor: Any, table: str) -> list[str]:
    """The statements re-creating the table's own triggers (``registry.live_ids``), not the clones
    PostgreSQL makes on each partition nor the internal ones behind foreign keys."""
    cursor.execute(
        "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s::regclass "
        "AND NOT tgisinternal AND tgparentid = 0 ORDER BY tgname",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def _table_definition(cursor: Any, table: str) -> tuple[list[str], list[str]]:
    """(CREATE INDEX statements, ALTER TABLE … ADD CONSTRAINT statements of unique keys and outgoing
    foreign keys) of ``table``, primary key excepted. A unique key declared as a constraint is made a
    constraint again (not a bare unique index), so that a later migration can drop it as one."""
    cursor.execute(
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
        "WHERE c.relname = %s AND NOT i.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype = 'u') "
        "ORDER BY i.indexrelid",
        [table],
    )
    # A partitioned table's own index reads "ON ONLY"; the same index on the other kind of table is
    # built over every row.
    indexes = [row[0].replace(" ON ONLY ", " ON ") for row in cursor.fetchall()]
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY contype DESC, oid",
        [table],
    )
    keys = [
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'
        for name, definition in cursor.fetchall()
    ]
    return indexes, keys


def convert_table(
    schema_editor: Any, table: str, key: str, counties: list[str], *, partitioned: bool
) -> None:
    """Convert ``table`` (holding data or not) into a table partitioned by ``key`` with one partition
    per county and a default one (``partitioned=True``), or back into a plain table. PostgreSQL only;
    runs in the migration's transaction, so a failure leaves the old table as it was.

    The steps: lock the table; create the new one with the same columns, defaults, identity and check
    constraints; move the rows; drop the old table and give the new one its name (and its identity
    sequence the old sequence's name); re-create the indexes, the foreign keys and the triggers it held.
    """
    connection = schema_editor.connection
    if not _is_postgresql(connection):
        return
    new = f"{table}__new"
    with connection.cursor() as cursor:
        if _partitioned(cursor, table) == partitioned:
            return
        # Deferred foreign-key checks queued by earlier writes of this transaction would forbid the
        # DROP below: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
        cursor.execute(
            "SELECT 1 FROM pg_constraint WHERE confrelid = %s::regclass AND contype = 'f'", [table]
        )
        if cursor.fetchone() is not None:
            raise RuntimeError(
                f"{table} is still referenced by a database foreign key: declare every reference to it "
                "with db_constraint=False first"
            )
        indexes, keys = _table_definition(cursor, table)
        triggers = _triggers(cursor, table)
        clause = f' PARTITION BY LIST ("{key}")' if partitioned else ""
        cursor.execute(
            f'CREATE TABLE "{new}" (LIKE "{table}" INCLUDING DEFAULTS INCLUDING IDENTITY '
            f"INCLUDING CONSTRAINTS INCLUDING GENERATED){clause}"
        )
        primary = f'"id", "{key}"' if partitioned else '"id"'
        cursor.execute(f'ALTER TABLE "{new}" ADD CONSTRAINT "{table}_pkey_new" PRIMARY KEY ({primary})')
        if partitioned:
            cursor.execute(f'CREATE TABLE "{partition_name(new, DEFAULT)}" PARTITION OF "{new}" DEFAULT')
            for county in sorted(set(counties)):
                cursor.execute(
                    f'CREATE TABLE "{partition_name(new, county)}" PARTITION OF "{new}" FOR VALUES IN (\'{county}\')'
                )
        cursor.execute(f'INSERT INTO "{new}" OVERRIDING SYSTEM VALUE SELECT * FROM "{table}"')
        cursor.execute(f"SELECT pg_get_serial_sequence('{table}', 'id')")
        old_sequence = cursor.fetchone()[0]
        cursor.execute(f"SELECT pg_get_serial_sequence('{new}', 'id')")
        new_sequence = cursor.fetchone()[0]
        if old_sequence and new_sequence:
            cursor.execute(f"SELECT last_value, is_called FROM {old_sequence}")
            last, called = cursor.fetchone()
            cursor.execute("SELECT setval(%s, %s, %s)", [new_sequence, last, called])
        cursor.execute(f'DROP TABLE "{table}"')
        cursor.execute(f'ALTER TABLE "{new}" RENAME TO "{table}"')
        cursor.execute(f'ALTER TABLE "{table}" RENAME CONSTRAINT "{table}_pkey_new" TO "{table}_pkey"')
        if partitioned:
            cursor.execute(
                f'ALTER TABLE "{partition_name(new, DEFAULT)}" RENAME TO "{partition_name(table, DEFAULT)}"'
            )
            for county in sorted(set(counties)):
                cursor.execute(
                    f'ALTER TABLE "{partition_name(new, county)}" RENAME TO "{partition_name(table, county)}"'
                )
        if old_sequence and new_sequence:
            bare = old_sequence.split(".")[-1].strip('"')
            cursor.execute(f'ALTER SEQUENCE {new_sequence} RENAME TO "{bare}"')
        for statement in indexes:
            cursor.execute(statement)
        for statement in keys:
            cursor.execute(statement)
        # Last, so the rows moved above fired none of them (they change nothing a trigger follows).
        for statement in triggers:
            cursor.execute(statement)
        cursor.execute(f'ANALYZE "{table}"')
