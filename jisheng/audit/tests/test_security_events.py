"""Every security event is in the trail: lockout, unlock, key rotation, a failed check of the chain."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import Client

from jisheng.audit import triggers
from jisheng.audit.actions import action_label
from jisheng.audit.models import AuditEvent
from jisheng.audit.services import record, verify_chain
from tests.factories import SETUP


def test_five_wrong_passwords_record_the_lockout_with_the_account_and_address(areas, make_user):
    user = make_user(areas["village_a"], "village_officer", username="cun")
    client = Client()
    for _attempt in range(5):
        client.post("/accounts/login/", {"username": "cun", "password": "wrong-password"})
    event = AuditEvent.objects.filter(action="account.lockout").first()
    assert event is not None
    assert event.object_id == str(user.pk)
    assert event.object_repr == "cun"
    assert event.area_code == areas["village_a"].code
    assert event.after["ip_address"] == "127.0.0.1"
    assert action_label("account.lockout") != "account.lockout"


def test_four_wrong_passwords_record_no_lockout(areas, make_user):
    make_user(areas["village_a"], "village_officer", username="cun")
    client = Client()
    for _attempt in range(4):
        client.post("/accounts/login/", {"username": "cun", "password": "wrong-password"})
    assert not AuditEvent.objects.filter(action="account.lockout").exists()


def test_rotating_the_certificate_signing_key_is_recorded(db):
    call_command("certificate-keys", "rotate")
    assert AuditEvent.objects.filter(action="certificates.rotate_key").exists()


def test_a_failed_chain_check_is_recorded_even_though_the_chain_is_broken(db):
    for index in range(3):
        with transaction.atomic():
            record(by=SETUP, action="test.event", object_repr=f"事件{index}")
    target = AuditEvent.objects.order_by("id")[1]
    triggers.drop(connection)  # a tamperer with the owner's rights; the test's transaction restores it
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET object_repr = %s WHERE id = %s", ["篡改", target.pk])
    triggers.create(connection)
    with pytest.raises(CommandError, match=f"#{target.pk}"):
        call_command("audit-verify")
    event = AuditEvent.objects.get(action="audit.verify_failed")
    assert event.object_id == str(target.pk)
    assert "edited" in event.after["problem"]
    # The finding itself links to the head, so the report still names the tampered row, not the finding.
    assert verify_chain().broken_event_id == target.pk


def test_an_intact_chain_check_records_nothing(db):
    with transaction.atomic():
        record(by=SETUP, action="test.event")
    call_command("audit-verify")
    assert not AuditEvent.objects.filter(action="audit.verify_failed").exists()
