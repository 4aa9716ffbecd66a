"""The triggers that keep ``hall_casetally`` (``models.CaseTally``) equal to the cases, per database.

Every insert and delete of a case, and every change of its village, clerk or status, moves one case from
one (village, clerk, status) row of the tally to another, in the statement's own transaction:

- SQLite: three ``AFTER`` triggers. A case leaving a row is an ``UPDATE … - 1`` (never an insert, so a
  test database emptied table by table in any order is left with no negative rows); a case arriving is
  an ``INSERT … ON CONFLICT DO UPDATE``. SQLite has one writer at a time, so the rows cannot deadlock.
- PostgreSQL: one PL/pgSQL row trigger. Many transactions move cases at once there, and two moving cases
  between the same two rows in opposite directions would lock them in opposite orders. So the trigger
  first takes the audit chain's head row (``audit_auditchainhead``), the lock every audited service
  takes anyway to record its event: tally rows are only ever locked after it, one transaction at a
  time, and a transaction that recorded its event before changing a case already holds it.

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
    "ON CONFLICT (area_code, owner_key, status) DO UPDATE SET cases = {table}.cases + 1"
).replace("{table}", TABLE)
LEAVE = (
    f"UPDATE {TABLE} SET cases = cases - 1 "
    "WHERE area_code = OLD.area_id AND owner_key = COALESCE(OLD.owner_id, 0) AND status = OLD.status"
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
    f"ON CONFLICT (area_code, owner_key, due_on) DO UPDATE SET cases = {DEADLINES}.cases + 1"
)
_D_OLD_ROW = "area_code = OLD.area_id AND owner_key = COALESCE(OLD.owner_id, 0) AND due_on = OLD.due_on"
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

POSTGRESQL_CREATE = [
    f"""CREATE OR REPLACE FUNCTION hall_case_tally() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND OLD.area_id IS NOT DISTINCT FROM NEW.area_id
            AND OLD.owner_id IS NOT DISTINCT FROM NEW.owner_id AND OLD.status = NEW.status THEN
            RETURN NULL;
        END IF;
        PERFORM 1 FROM audit_auditchainhead WHERE id = 1 FOR UPDATE;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            {LEAVE};
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
            {ARRIVE};
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
]

POSTGRESQL_DEADLINE_CREATE = [
    f"""CREATE OR REPLACE FUNCTION hall_case_deadline_tally() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND OLD.area_id IS NOT DISTINCT FROM NEW.area_id
            AND OLD.owner_id IS NOT DISTINCT FROM NEW.owner_id AND OLD.status = NEW.status
            AND OLD.due_on IS NOT DISTINCT FROM NEW.due_on THEN
            RETURN NULL;
        END IF;
        PERFORM 1 FROM audit_auditchainhead WHERE id = 1 FOR UPDATE;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            {D_LEAVE};
            {D_CLEAN};
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
            {D_ARRIVE};
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
        if create:
            return SQLITE_CREATE + (SQLITE_DEADLINE_CREATE if deadlines else [])
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
    _run(connection, _statements(connection, create=True))


def remove(connection: Any) -> None:
    _run(connection, _statements(connection, create=False))


def recount(connection: Any) -> None:
    """Rebuild the tallies from the cases (inside the caller's transaction)."""
    _run(connection, RECOUNT + (DEADLINE_RECOUNT if _has_deadlines(connection) else []))
