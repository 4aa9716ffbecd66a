"""Append-only in the database itself: triggers that refuse UPDATE and DELETE on the audit event table.

``AuditEvent.save``/``delete`` already refuse in Python, but a raw SQL statement, a database console or a
bug elsewhere would not pass through them. These triggers make the database refuse too.

There is exactly one way around them, for the retention purge: a row in ``audit_auditpurgepermit``
(written and removed again by ``jisheng.audit.retention.purge`` inside its own transaction, so no other
connection ever sees it) lets DELETE through for events up to the permit's ``through_id`` and only when
the event is older than 180 days by the database's own clock, so even a forged permit cannot remove the
six months level 3 asks to keep. UPDATE is refused always.

TRUNCATE is not a row operation and is not covered (PostgreSQL's flush between tests uses it); like
DROP TRIGGER it needs the table owner's rights, which the deployment's operators hold anyway.
"""

from __future__ import annotations

from typing import Any

TABLE = "audit_auditevent"
PERMIT_TABLE = "audit_auditpurgepermit"
MINIMUM_DAYS = 180
MESSAGE = "audit events are append-only"

SQLITE_CREATE = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_auditevent_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}: UPDATE refused'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_auditevent_no_delete BEFORE DELETE ON {TABLE}
    WHEN NOT EXISTS (
        SELECT 1 FROM {PERMIT_TABLE} p
        WHERE OLD.id <= p.through_id AND OLD.at < datetime('now', '-{MINIMUM_DAYS} days')
    )
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}: DELETE refused'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_auditevent_no_update",
    "DROP TRIGGER IF EXISTS audit_auditevent_no_delete",
]

POSTGRESQL_CREATE = [
    f"""CREATE OR REPLACE FUNCTION audit_auditevent_append_only() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'DELETE' AND EXISTS (
            SELECT 1 FROM {PERMIT_TABLE} p
            WHERE OLD.id <= p.through_id AND OLD.at < now() - interval '{MINIMUM_DAYS} days'
        ) THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION '{MESSAGE}: % refused', TG_OP USING ERRCODE = 'integrity_constraint_violation';
    END
    $$ LANGUAGE plpgsql""",
    f"DROP TRIGGER IF EXISTS audit_auditevent_append_only ON {TABLE}",
    f"""CREATE TRIGGER audit_auditevent_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_auditevent_append_only()""",
]
POSTGRESQL_DROP = [
    f"DROP TRIGGER IF EXISTS audit_auditevent_append_only ON {TABLE}",
    "DROP FUNCTION IF EXISTS audit_auditevent_append_only()",
]


def _statements(connection: Any, *, create: bool) -> list[str]:
    if connection.vendor == "sqlite":
        return SQLITE_CREATE if create else SQLITE_DROP
    if connection.vendor == "postgresql":
        return POSTGRESQL_CREATE if create else POSTGRESQL_DROP
    raise NotImplementedError(f"no append-only trigger for {connection.vendor}")


def create(connection: Any) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection, create=True):
            cursor.execute(statement)


def drop(connection: Any) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection, create=False):
            cursor.execute(statement)


def installed(connection: Any) -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE]
            )
            return bool(cursor.fetchone()[0] == 2)
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgname = 'audit_auditevent_append_only' AND NOT tgisinternal"
        )
        return bool(cursor.fetchone()[0] == 1)
