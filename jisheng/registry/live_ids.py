"""The live persons' ID numbers of the whole deployment, in one table (PostgreSQL only).

Persons are partitioned by county on PostgreSQL, and a partitioned table's unique keys must hold the
partition key, so the person table itself can only say "one live person per ID number *in a county*".
A number may be registered in any county, so finding the holders of a file's numbers meant probing
every county's ID index for each number: 31 index descents a number at ten million persons in thirty
counties, most of the import's database time (docs/scale.md).

``registry_live_id_number`` holds one row per live person with an ID number: the sealed number (its
primary key), the person's id and county. The database keeps it, like an index: statement triggers on
``registry_person`` (their changed rows read as transition tables, so a COPY of 100,000 rows is one
set-based insert, not 100,000 calls) add, move and remove its rows on every insert, update, delete and
truncate, whoever writes (a service, the import's COPY, an administrator's SQL). Writes straight into a
partition (``core.partitions.add_county`` moving rows out of the default partition) bypass them, and
change neither a number, a liveness nor a county. Loads that turn triggers off
(``session_replication_role = replica``, the demo generators) call :func:`refill` after.

Its primary key makes "one live person per ID number in the deployment" a constraint across counties:
a second live registration of a number fails in the database, whatever path wrote it.

Read by the key too (``county_of``): a province account opening a person file by the person's id
learns the county first, so the read of the person names its partition; without it PostgreSQL plans
the read in every county's partition, most of the file's database time at ten million persons.

There is no Django model: nothing writes it but the triggers, and this module is its one reader. On
SQLite the person table is one table and its ID index answers in one probe, so none of this exists.
"""

from __future__ import annotations

from typing import Any

TABLE = "registry_live_id_number"
PERSONS = "registry_person"

# A person is live when not merged into another record and holds a number.
_LIVE = "{row}.merged_into_id IS NULL AND {row}.id_number <> ''"

_FUNCTIONS = {
    "inserted": f"""
        INSERT INTO {TABLE} (id_number, person_id, county_code)
        SELECT n.id_number, n.id, n.county_code FROM new_rows n WHERE {_LIVE.format(row="n")};
    """,
    "deleted": f"""
        DELETE FROM {TABLE} l USING old_rows o WHERE l.id_number = o.id_number AND l.person_id = o.id;
    """,
    # Only the rows whose number, liveness or county changed: a person's phone corrected leaves the
    # table alone. Removals first, so numbers swapped between two persons in one statement, or a row
    # moved to another county's partition, never meet themselves in the key.
    "updated": f"""
        DELETE FROM {TABLE} l USING old_rows o
         WHERE l.id_number = o.id_number AND l.person_id = o.id
           AND NOT EXISTS (
               SELECT 1 FROM new_rows n
                WHERE n.id = o.id AND n.id_number = o.id_number AND n.county_code = o.county_code
                  AND {_LIVE.format(row="n")});
        INSERT INTO {TABLE} (id_number, person_id, county_code)
        SELECT n.id_number, n.id, n.county_code FROM new_rows n
         WHERE {_LIVE.format(row="n")}
           AND NOT EXISTS (
               SELECT 1 FROM old_rows o
                WHERE o.id = n.id AND o.id_number = n.id_number AND o.county_code = n.county_code
                  AND {_LIVE.format(row="o")});
    """,
    "truncated": f"TRUNCATE {TABLE};",
}

_TRIGGERS = {
    "inserted": "AFTER INSERT ON {persons} REFERENCING NEW TABLE AS new_rows",
    "updated": "AFTER UPDATE ON {persons} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "deleted": "AFTER DELETE ON {persons} REFERENCING OLD TABLE AS old_rows",
    "truncated": "AFTER TRUNCATE ON {persons}",
}


def _function(event: str) -> str:
    return f"{TABLE}_{event}"


def install(cursor: Any) -> None:
    """Create the table, its triggers, and fill it from the persons (a migration's step)."""
    cursor.execute(
        f"CREATE TABLE {TABLE} (id_number text PRIMARY KEY, person_id bigint NOT NULL, "
        "county_code varchar(6) NOT NULL)"
    )
    for event, body in _FUNCTIONS.items():
        cursor.execute(
            f"CREATE FUNCTION {_function(event)}() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {body} RETURN NULL; END $$"
        )
        cursor.execute(
            f"CREATE TRIGGER {_function(event)} {_TRIGGERS[event].format(persons=PERSONS)} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {_function(event)}()"
        )
    refill(cursor)
    # Built after the fill, from the sorted ids; new persons' ids only grow, so each insert lands at
    # the index's right edge.
    cursor.execute(f"CREATE INDEX {TABLE}_person ON {TABLE} (person_id) INCLUDE (county_code)")


def uninstall(cursor: Any) -> None:
    for event in _FUNCTIONS:
        cursor.execute(f"DROP TRIGGER IF EXISTS {_function(event)} ON {PERSONS}")
        cursor.execute(f"DROP FUNCTION IF EXISTS {_function(event)}()")
    cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


def refill(cursor: Any, *, above_id: int = 0) -> None:
    """Add the live persons (with an id above ``above_id``) the table is missing: after a load that
    turned triggers off, or when the table is created.

    A number already held stays with its holder: two live persons of one number in two counties
    (possible before this table existed; the duplicate review lists them) keep the first one's row,
    rather than failing the migration of a deployment holding such a pair."""
    cursor.execute(
        f"INSERT INTO {TABLE} (id_number, person_id, county_code) "
        f"SELECT p.id_number, p.id, p.county_code FROM {PERSONS} p "
        f"WHERE p.id > %s AND {_LIVE.format(row='p')} ORDER BY p.id "
        "ON CONFLICT (id_number) DO NOTHING",
        [above_id],
    )
    cursor.execute(f"ANALYZE {TABLE}")


def last_person_id(cursor: Any) -> int:
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {PERSONS}")
    return int(cursor.fetchone()[0])


def holders(cursor: Any, sealed_ids: list[str]) -> dict[str, list[int]]:
    """The ids of the live persons holding these sealed numbers, by county: one probe of the table's
    key a number, and the caller reads each county's persons in that county's partition."""
    # One text parameter split by the server: a sealed number (a prefix and base64) holds no space, and
    # psycopg builds an array of 5,000 strings in Python, a tenth of the import's look-up.
    cursor.execute(
        f"SELECT county_code, person_id FROM {TABLE} WHERE id_number = ANY(string_to_array(%s, ' '))",
        [" ".join(sealed_ids)],
    )
    by_county: dict[str, list[int]] = {}
    for county, person_id in cursor.fetchall():
        by_county.setdefault(county, []).append(person_id)
    return by_county


def county_of(person_id: int) -> str | None:
    """The county of a live person with an ID number (None for anyone else: a merged record, a child
    without a number yet; the caller reads them without knowing their county)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT county_code FROM {TABLE} WHERE person_id = %s", [person_id])
        found = cursor.fetchone()
    return str(found[0]) if found else None
