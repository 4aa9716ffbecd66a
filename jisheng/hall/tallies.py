"""The triggers that keep ``hall_casetally`` (``models.CaseTally``) equal to the cases, per database.

Every insert and delete of a case, and every change of its village, clerk or status, moves one case from
one (village, clerk, status) row of the tally to another, in the statement's own transaction:

- SQLite: three ``AFTER`` triggers. A case leaving a row is an ``UPDATE … - 1`` (never an insert, so a
  test database emptied table by table in any order is left with no negative rows); a case arriving is
  an ``INSERT … ON CONFLICT DO UPDATE``. SQLite has one writer at a time, so the rows cannot deadlock.
- PostgreSQL: one PL/pgSQL row trigger per tally. Many transactions change cases at once there, and a
  tally row is locked from a case's change to the commit, so a key (village, clerk, status) may have
  several rows, its *slots*, whose sum is its count (every reader sums anyway). The trigger adds to the
  key's first slot no other transaction holds (``FOR UPDATE SKIP LOCKED``), or writes a slot of its own
  numbered by its transaction when all are held: it never waits, so two changes of cases can neither
  queue behind each other here nor deadlock. (Until 2026-12 the trigger took the audit chain's head
  first, to lock the rows in one order: it made every case change of the database wait for the one
  before it to commit.) A key has at most as many slots as changes ever ran on it at once; ``tidy``
  (``jisheng hall-tally-tidy``, hourly) folds them back into slot 0.

The same triggers keep ``hall_casedeadlinetally`` (``models.CaseDeadlineTally``): the cases in progress
per (village, clerk, deadline), for the queue's "overdue" and "due today" figures. A change of deadline
moves a case too; a row left at zero is deleted, so past days leave no rows. Its triggers are installed
only where its table exists (the migration that made the case tally runs before the one that makes it).

``install`` and ``remove`` are called by the hall's migrations; ``recount`` rebuilds the tally from the
cases (the migration fills it with it, and an operator may run it after a restore of a partial dump).
"""

from __future__ import annotations

from typing import Any

TABLE = "hall_casetally"
CASES = "hall_application"
ARRIVE = (
    f"INSERT INTO {TABLE} (area_code, owner_key, status, cases) "
    "VALUES (NEW.area_id, COALESCE(NEW.owner_id, 0), NEW.status, 1) "
    "ON CONFLICT (area_code, owner_key, status, slot) DO UPDATE SET cases = {table}.cases + 1"
).replace("{table}", TABLE)
LEAVE = (
    f"UPDATE {TABLE} SET cases = cases - 1 "
    "WHERE area_code = OLD.area_id AND owner_key = COALESCE(OLD.owner_id, 0) AND status = OLD.status "
    "AND slot = 0"
)
MOVED = "OLD.area_id IS NOT NEW.area_id OR OLD.owner_id IS NOT NEW.owner_id OR OLD.status IS NOT NEW.status"

SQLITE_CREATE = [
    f"CREATE TRIGGER IF NOT EXISTS hall_case_tally_insert AFTER INSERT ON {CASES} BEGIN {ARRIVE}; END",
    f"CREATE TRIGGER IF NOT EXISTS hall_case_tally_delete AFTER DELETE ON {CASES} BEGIN {LEAVE}; END",
    f"""CREATE TRIGGER IF NOT EXISTS hall_case_tally_update AFTER UPDATE OF area_id, owner_id, status
    ON {CASES} WHEN {MOVED} BEGIN {LEAVE}; {ARRIVE}; END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS hall_case_tally_insert",
    "DROP TRIGGER IF EXISTS hall_case_tally_delete",
    "DROP TRIGGER IF EXISTS hall_case_tally_update",
]

DEADLINES = "hall_casedeadlinetally"
RECEIVED = "received"  # ApplicationStatus.RECEIVED: only a case in progress runs against its deadline
D_ARRIVE = (
    f"INSERT INTO {DEADLINES} (area_code, owner_key, due_on, cases) "
    "SELECT NEW.area_id, COALESCE(NEW.owner_id, 0), NEW.due_on, 1 "
    f"WHERE NEW.status = '{RECEIVED}' AND NEW.due_on IS NOT NULL "
    f"ON CONFLICT (area_code, owner_key, due_on, slot) DO UPDATE SET cases = {DEADLINES}.cases + 1"
)
_D_OLD_ROW = (
    "area_code = OLD.area_id AND owner_key = COALESCE(OLD.owner_id, 0) AND due_on = OLD.due_on AND slot = 0"
)
D_LEAVE = f"UPDATE {DEADLINES} SET cases = cases - 1 WHERE {_D_OLD_ROW} AND OLD.status = '{RECEIVED}'"
D_CLEAN = f"DELETE FROM {DEADLINES} WHERE {_D_OLD_ROW} AND cases = 0"
D_MOVED = f"{MOVED} OR OLD.due_on IS NOT NEW.due_on"

SQLITE_DEADLINE_CREATE = [
    f"""CREATE TRIGGER IF NOT EXISTS hall_case_deadline_insert AFTER INSERT ON {CASES}
    WHEN NEW.status = '{RECEIVED}' AND NEW.due_on IS NOT NULL BEGIN {D_ARRIVE}; END""",
    f"""CREATE TRIGGER IF NOT EXISTS hall_case_deadline_delete AFTER DELETE ON {CASES}
    WHEN OLD.status = '{RECEIVED}' AND OLD.due_on IS NOT NULL BEGIN {D_LEAVE}; {D_CLEAN}; END""",
    f"""CREATE TRIGGER IF NOT EXISTS hall_case_deadline_update
    AFTER UPDATE OF area_id, owner_id, status, due_on ON {CASES}
    WHEN {D_MOVED} BEGIN {D_LEAVE}; {D_CLEAN}; {D_ARRIVE}; END""",
]
SQLITE_DEADLINE_DROP = [
    "DROP TRIGGER IF EXISTS hall_case_deadline_insert",
    "DROP TRIGGER IF EXISTS hall_case_deadline_delete",
    "DROP TRIGGER IF EXISTS hall_case_deadline_update",
]

# PostgreSQL: a row trigger per tally calling one function that adds to a key (+1 for a case arriving,
# -1 for one leaving). It never waits: it takes the key's first slot row that no other transaction has
# locked (FOR UPDATE SKIP LOCKED), and when every one is locked, or the key has none, it writes a slot of
# its own, numbered by its transaction (unique, so no other insert can meet it). A tally row is locked
# from a case's change to the commit; before, every such transaction of the database waited here in turn.


def _postgresql_add(name: str, table: str, key_column: str, key_type: str, *, drop_zero: bool) -> str:
    """The function adding ``delta`` to one key of ``table`` (its village, clerk and ``key_column``);
    with ``drop_zero``, a slot left at zero is deleted (past deadlines leave no rows)."""
    cleaned = (
        f"UPDATE {table} SET cases = cases + delta WHERE id = chosen RETURNING cases INTO left_over;\n"
        f"            IF left_over = 0 THEN DELETE FROM {table} WHERE id = chosen; END IF;"
        if drop_zero
        else f"UPDATE {table} SET cases = cases + delta WHERE id = chosen;"
    )
    return f"""CREATE OR REPLACE FUNCTION {name}(
        k_area varchar, k_owner bigint, k_key {key_type}, delta integer) RETURNS void AS $$
    DECLARE
        chosen bigint;
        left_over integer;
    BEGIN
        SELECT id INTO chosen FROM {table}
            WHERE area_code = k_area AND owner_key = k_owner AND {key_column} = k_key
            ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED;
        IF FOUND THEN
            {cleaned}
        ELSE
            INSERT INTO {table} (area_code, owner_key, {key_column}, slot, cases)
                VALUES (k_area, k_owner, k_key, txid_current(), delta);
        END IF;
    END
    $$ LANGUAGE plpgsql"""


POSTGRESQL_CREATE = [
    # Dropped first: CREATE OR REPLACE cannot rename a parameter of an earlier release's function (the
    # trigger function names it only when it runs, so nothing depends on it in between).
    "DROP FUNCTION IF EXISTS hall_case_tally_add(varchar, bigint, varchar, integer)",
    _postgresql_add("hall_case_tally_add", TABLE, "status", "varchar", drop_zero=False),
    """CREATE OR REPLACE FUNCTION hall_case_tally() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND OLD.area_id IS NOT DISTINCT FROM NEW.area_id
            AND OLD.owner_id IS NOT DISTINCT FROM NEW.owner_id AND OLD.status = NEW.status THEN
            RETURN NULL;
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            PERFORM hall_case_tally_add(OLD.area_id, COALESCE(OLD.owner_id, 0), OLD.status, -1);
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
            PERFORM hall_case_tally_add(NEW.area_id, COALESCE(NEW.owner_id, 0), NEW.status, 1);
        END IF;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql""",
    f"DROP TRIGGER IF EXISTS hall_case_tally ON {CASES}",
    f"""CREATE TRIGGER hall_case_tally AFTER INSERT OR DELETE OR UPDATE OF area_id, owner_id, status
    ON {CASES} FOR EACH ROW EXECUTE FUNCTION hall_case_tally()""",
]
POSTGRESQL_DROP = [
    f"DROP TRIGGER IF EXISTS hall_case_tally ON {CASES}",
    "DROP FUNCTION IF EXISTS hall_case_tally()",
    "DROP FUNCTION IF EXISTS hall_case_tally_add(varchar, bigint, varchar, integer)",
]

POSTGRESQL_DEADLINE_CREATE = [
    "DROP FUNCTION IF EXISTS hall_case_deadline_add(varchar, bigint, date, integer)",
    _postgresql_add("hall_case_deadline_add", DEADLINES, "due_on", "date", drop_zero=True),
    f"""CREATE OR REPLACE FUNCTION hall_case_deadline_tally() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND OLD.area_id IS NOT DISTINCT FROM NEW.area_id
            AND OLD.owner_id IS NOT DISTINCT FROM NEW.owner_id AND OLD.status = NEW.status
            AND OLD.due_on IS NOT DISTINCT FROM NEW.due_on THEN
            RETURN NULL;
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = '{RECEIVED}' AND OLD.due_on IS NOT NULL THEN
            PERFORM hall_case_deadline_add(OLD.area_id, COALESCE(OLD.owner_id, 0), OLD.due_on, -1);
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.status = '{RECEIVED}' AND NEW.due_on IS NOT NULL THEN
            PERFORM hall_case_deadline_add(NEW.area_id, COALESCE(NEW.owner_id, 0), NEW.due_on, 1);
        END IF;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql""",
    f"DROP TRIGGER IF EXISTS hall_case_deadline_tally ON {CASES}",
    f"""CREATE TRIGGER hall_case_deadline_tally
    AFTER INSERT OR DELETE OR UPDATE OF area_id, owner_id, status, due_on
    ON {CASES} FOR EACH ROW EXECUTE FUNCTION hall_case_deadline_tally()""",
]
POSTGRESQL_DEADLINE_DROP = [
    f"DROP TRIGGER IF EXISTS hall_case_deadline_tally ON {CASES}",
    "DROP FUNCTION IF EXISTS hall_case_deadline_tally()",
    "DROP FUNCTION IF EXISTS hall_case_deadline_add(varchar, bigint, date, integer)",
]

RECOUNT = [
    f"DELETE FROM {TABLE}",
    f"""INSERT INTO {TABLE} (area_code, owner_key, status, cases)
    SELECT area_id, COALESCE(owner_id, 0), status, COUNT(*) FROM {CASES}
    GROUP BY area_id, COALESCE(owner_id, 0), status""",
]
DEADLINE_RECOUNT = [
    f"DELETE FROM {DEADLINES}",
    f"""INSERT INTO {DEADLINES} (area_code, owner_key, due_on, cases)
    SELECT area_id, COALESCE(owner_id, 0), due_on, COUNT(*) FROM {CASES}
    WHERE status = '{RECEIVED}' AND due_on IS NOT NULL
    GROUP BY area_id, COALESCE(owner_id, 0), due_on""",
]


def _statements(connection: Any, *, create: bool) -> list[str]:
    deadlines = _has_deadlines(connection)
    if connection.vendor == "sqlite":
        if create:  # dropped first: a trigger written by an earlier release is replaced, not kept
            return (
                SQLITE_DROP
                + SQLITE_CREATE
                + (SQLITE_DEADLINE_DROP + SQLITE_DEADLINE_CREATE if deadlines else [])
            )
        return SQLITE_DROP + SQLITE_DEADLINE_DROP
    if connection.vendor == "postgresql":
        if create:
            return POSTGRESQL_CREATE + (POSTGRESQL_DEADLINE_CREATE if deadlines else [])
        return POSTGRESQL_DROP + POSTGRESQL_DEADLINE_DROP
    raise NotImplementedError(f"no case tally trigger for {connection.vendor}")


def _has_deadlines(connection: Any) -> bool:
    return DEADLINES in connection.introspection.table_names()


def _run(connection: Any, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def install(connection: Any) -> None:
    """The triggers written (again). Not before the tallies have their slots (migration 0011, which
    installs them): the earlier migrations that call this run before the column exists, on a database
    where no case changes until the migration is done."""
    if not _has_slots(connection):
        return
    _run(connection, _statements(connection, create=True))


def _has_slots(connection: Any) -> bool:
    with connection.cursor() as cursor:
        columns = connection.introspection.get_table_description(cursor, TABLE)
    return any(column.name == "slot" for column in columns)


def remove(connection: Any) -> None:
    _run(connection, _statements(connection, create=False))


def recount(connection: Any) -> None:
    """Rebuild the tallies from the cases (inside the caller's transaction). On PostgreSQL the cases'
    table is locked against changes first (a case changed while the tally is rebuilt would be counted
    by neither, or twice), until the caller's transaction ends."""
    lock = [f"LOCK TABLE {CASES} IN SHARE MODE"] if connection.vendor == "postgresql" else []
    _run(connection, lock + RECOUNT + (DEADLINE_RECOUNT if _has_deadlines(connection) else []))


# One slot row a key on PostgreSQL, when nobody holds them: each key's other slots (written while its
# rows were locked) are added into its slot 0 and removed, a deadline row left at zero removed too. Rows
# a transaction holds are passed over until the next run; the tidy may wait for a change that holds a
# key's slot 0, but a change never waits for the tidy (it passes over what the tidy holds). One tidy at a
# time (the advisory lock; a second returns at once).
TIDY_LOCK = 7_000_000_017
TIDY = [
    f"""WITH taken AS (
        DELETE FROM {TABLE} WHERE id IN (SELECT id FROM {TABLE} WHERE slot <> 0 FOR UPDATE SKIP LOCKED)
        RETURNING area_code, owner_key, status, cases)
    INSERT INTO {TABLE} (area_code, owner_key, status, slot, cases)
    SELECT area_code, owner_key, status, 0, SUM(cases) FROM taken GROUP BY area_code, owner_key, status
    ON CONFLICT (area_code, owner_key, status, slot) DO UPDATE SET cases = {TABLE}.cases + EXCLUDED.cases""",
    f"""WITH taken AS (
        DELETE FROM {DEADLINES} WHERE id IN (
            SELECT id FROM {DEADLINES} WHERE slot <> 0 FOR UPDATE SKIP LOCKED)
        RETURNING area_code, owner_key, due_on, cases)
    INSERT INTO {DEADLINES} (area_code, owner_key, due_on, slot, cases)
    SELECT area_code, owner_key, due_on, 0, SUM(cases) FROM taken GROUP BY area_code, owner_key, due_on
    ON CONFLICT (area_code, owner_key, due_on, slot) DO UPDATE SET cases = {DEADLINES}.cases + EXCLUDED.cases""",
    f"""DELETE FROM {DEADLINES} WHERE id IN (
        SELECT id FROM {DEADLINES} WHERE cases = 0 FOR UPDATE SKIP LOCKED)""",
]


def tidy(connection: Any) -> int | None:
    """Fold the slots PostgreSQL's triggers wrote into one row a key (inside the caller's transaction);
    the number of rows left in the two tallies, or None when another tidy is running or on SQLite,
    whose triggers only ever write slot 0."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [TIDY_LOCK])
        if not cursor.fetchone()[0]:
            return None
        for statement in TIDY:
            cursor.execute(statement)
        cursor.execute(f"SELECT (SELECT COUNT(*) FROM {TABLE}) + (SELECT COUNT(*) FROM {DEADLINES})")
        return int(cursor.fetchone()[0])
