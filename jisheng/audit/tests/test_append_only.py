"""The database itself refuses to change or remove audit events, on SQLite and on PostgreSQL."""

import datetime
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction

from jisheng.audit import triggers
from jisheng.audit.models import AuditChainHead, AuditEvent
from jisheng.audit.services import record, verify_chain
from tests.factories import SETUP


def _events(count: int) -> list[AuditEvent]:
    events = []
    for index in range(count):
        with transaction.atomic():
            events.append(record(by=SETUP, action="test.event", object_repr=f"事件{index}"))
    return events


def test_the_migrations_install_the_append_only_trigger(db):
    assert triggers.installed(connection)


def test_an_sql_update_of_an_event_is_refused_by_the_database(db):
    event = _events(1)[0]
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE audit_auditevent SET object_repr = %s WHERE id = %s", ["篡改", event.pk])
    assert AuditEvent.objects.get(pk=event.pk).object_repr == "事件0"


def test_a_queryset_update_bypassing_save_is_refused_too(db):
    event = _events(1)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(reason="改了")
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


def test_an_sql_delete_of_an_event_is_refused_by_the_database(db):
    events = _events(3)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == 3
    assert verify_chain().broken_event_id is None


def test_a_forged_purge_permit_cannot_remove_events_younger_than_six_months(db):
    events = _events(2)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("INSERT INTO audit_auditpurgepermit (through_id) VALUES (%s)", [events[-1].pk])
        cursor.execute("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.count() == 2


def test_the_chain_head_still_moves_with_every_new_event(db):
    events = _events(3)
    head = AuditChainHead.objects.get(id=1)
    assert head.last_event_id == events[-1].pk
    assert head.last_hash == events[-1].hash


def test_the_trigger_holds_for_events_written_by_a_committed_transaction(transactional_db):
    """Outside a test's wrapping transaction too (and the flush after this test still empties the trail)."""
    event = _events(1)[0]
    with pytest.raises(DatabaseError, match="append-only"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


REPO = Path(__file__).resolve().parents[3]


def _jisheng(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"JISHENG_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "jisheng", *args],
        env=env,
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )


def test_a_sqlite_backup_restores_the_trail_with_its_triggers(tmp_path):
    data = tmp_path / "data"
    assert _jisheng(data, "migrate", "-v", "0").returncode == 0
    code = (
        "from django.db import transaction\n"
        "from jisheng.audit.services import record\n"
        "from jisheng.core.actor import COMMAND_LINE\n"
        "with transaction.atomic(): record(by=COMMAND_LINE, action='test.event', object_repr='备份前')\n"
    )
    assert _jisheng(data, "shell", "--no-imports", "-c", code).returncode == 0
    made = _jisheng(data, "backup", "--output-dir", str(tmp_path / "backups"))
    assert made.returncode == 0, made.stderr
    for leftover in data.glob("jisheng.sqlite3*"):
        leftover.unlink()
    restored = _jisheng(data, "restore", made.stdout.strip())
    assert restored.returncode == 0, restored.stderr
    with sqlite3.connect(data / "jisheng.sqlite3") as database:
        assert database.execute("SELECT object_repr FROM audit_auditevent").fetchall() == [("备份前",)]
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            database.execute("UPDATE audit_auditevent SET object_repr = '篡改'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            database.execute("DELETE FROM audit_auditevent")


def test_a_postgresql_backup_restores_the_trail_with_its_trigger(transactional_db, tmp_path, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL dump; SQLite is covered above")
    from jisheng.core import backup

    settings.DATA_DIR = tmp_path / "data"
    _events(2)
    # Persons live in a table partitioned by county: the restore must bring back the partitions too.
    from tests.factories import make_areas, make_person

    village = make_areas()["village_a"]
    make_person(area=village, name="王秀英", sex="2", birth=datetime.date(1990, 3, 8))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relname LIKE 'registry_person_%%' AND relispartition"
        )
        partitions = cursor.fetchone()[0]
    assert partitions >= 2  # the county's and the default one
    archive = backup.backup(output_dir=tmp_path / "backups")
    # pg_restore --clean drops and recreates the tables, the trigger function and the trigger.
    backup.restore(archive_path=archive)
    assert triggers.installed(connection)
    assert AuditEvent.objects.filter(action="test.event").count() == 2
    from jisheng.registry.models import Person

    assert list(Person.objects.values_list("name", "county_code")) == [("王秀英", "411723")]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relname LIKE 'registry_person_%%' AND relispartition"
        )
        assert cursor.fetchone()[0] == partitions
    assert verify_chain().broken_event_id is None
    with pytest.raises(DatabaseError, match="append-only"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent")
