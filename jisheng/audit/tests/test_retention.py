"""The trail is kept at least six months; older events are purged and the rest still verifies."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from jisheng.audit import retention
from jisheng.audit.models import AuditEvent, AuditPurgePermit
from jisheng.audit.services import record, verify_chain
from tests.factories import SETUP

ROOT = Path(__file__).resolve().parents[3]


def _event_at(monkeypatch, when: datetime.datetime, label: str) -> AuditEvent:
    monkeypatch.setattr(timezone, "now", lambda: when)
    try:
        with transaction.atomic():
            return record(by=SETUP, action="test.event", object_repr=label)
    finally:
        monkeypatch.undo()


@pytest.fixture
def old_and_new(db, monkeypatch):
    now = timezone.now()
    old = [
        _event_at(monkeypatch, now - datetime.timedelta(days=days), f"旧{days}") for days in (400, 300, 200)
    ]
    new = [_event_at(monkeypatch, now - datetime.timedelta(days=days), f"新{days}") for days in (100, 1)]
    return old, new


def test_the_retention_defaults_to_180_days(settings):
    assert settings.JISHENG_AUDIT_RETENTION_DAYS == 180


def test_a_retention_shorter_than_six_months_is_refused_at_startup(tmp_path):
    env = {**os.environ, "JISHENG_AUDIT_RETENTION_DAYS": "90", "JISHENG_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**env, "DJANGO_SETTINGS_MODULE": "jisheng.settings"},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "JISHENG_AUDIT_RETENTION_DAYS=90" in result.stderr
    assert "180" in result.stderr


def test_the_purge_refuses_a_retention_overridden_below_six_months(db):
    with override_settings(JISHENG_AUDIT_RETENTION_DAYS=30), pytest.raises(ValueError, match="180"):
        retention.purge(by=SETUP)


def test_the_purge_removes_only_events_older_than_the_retention(old_and_new):
    old, new = old_and_new
    result = retention.purge(by=SETUP)
    assert result.purged == 3
    assert result.through_id == old[-1].pk
    left = set(AuditEvent.objects.values_list("object_repr", flat=True))
    assert {"新100", "新1"} <= left
    assert not left & {"旧400", "旧300", "旧200"}
    assert not AuditPurgePermit.objects.exists()


def test_a_longer_retention_keeps_more(old_and_new):
    with override_settings(JISHENG_AUDIT_RETENTION_DAYS=365):
        assert retention.purge(by=SETUP).purged == 1
    assert AuditEvent.objects.filter(object_repr="旧300").exists()


def test_after_a_purge_the_chain_verifies_from_the_checkpoint(old_and_new):
    old, _new = old_and_new
    retention.purge(by=SETUP)
    report = verify_chain()
    assert report.broken_event_id is None
    assert report.checked == 3  # two kept events and the purge's own
    call_command("audit-purge")
    call_command("audit-verify")


def test_the_purge_is_itself_an_audit_event_naming_the_checkpoint(old_and_new):
    old, _new = old_and_new
    retention.purge(by=SETUP)
    event = AuditEvent.objects.get(action="audit.purge")
    assert event.after["purged"] == 3
    assert event.after["through_id"] == old[-1].pk
    assert event.after["checkpoint_hash"] == old[-1].hash
    assert event.after["retention_days"] == 180


def test_a_purge_with_nothing_old_enough_removes_nothing_and_still_records_itself(db):
    with transaction.atomic():
        record(by=SETUP, action="test.event")
    assert retention.purge(by=SETUP).purged == 0
    assert AuditEvent.objects.count() == 2
    assert verify_chain().broken_event_id is None


def test_a_tampered_event_after_the_checkpoint_is_still_found(old_and_new, django_db_blocker):
    from django.db import connection

    from jisheng.audit import triggers

    _old, new = old_and_new
    retention.purge(by=SETUP)
    triggers.drop(connection)  # a tamperer with the owner's rights; the test's transaction restores it
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET object_repr = %s WHERE id = %s", ["篡改", new[0].pk])
    assert verify_chain().broken_event_id == new[0].pk


def test_the_scheduler_runs_the_purge_and_the_chain_check_daily():
    from jisheng.core.management.commands.scheduler import schedule

    assert ("audit-purge", 1440) in schedule()
    assert ("audit-verify", 1440) in schedule()


def test_a_checkpoint_written_into_the_head_by_hand_does_not_hide_removed_events(old_and_new):
    from django.db import connection

    from jisheng.audit import triggers
    from jisheng.audit.models import AuditChainHead

    old, _new = old_and_new
    triggers.drop(connection)  # a tamperer removes the oldest events and moves the checkpoint to match
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id <= %s", [old[-1].pk])
    AuditChainHead.objects.filter(id=1).update(purged_through_id=old[-1].pk, purged_last_hash=old[-1].hash)
    report = verify_chain()
    assert report.broken_event_id == old[-1].pk
    assert "not recorded" in report.problem
