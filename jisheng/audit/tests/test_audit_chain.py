import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from jisheng.accounts.services import user_create
from jisheng.audit import triggers
from jisheng.audit.models import AppendOnlyError, AuditEvent
from jisheng.audit.services import record, verify_chain
from tests.factories import SETUP


def test_a_service_change_leaves_an_audit_event_with_actor_area_and_after(areas, make_user):
    admin = make_user(areas["county"], "system_admin", username="admin")
    user = user_create(
        username="newclerk",
        password="Clerk#2026x",
        area=areas["township_a"],
        roles=["counter_clerk"],
        by=admin,
    )
    event = AuditEvent.objects.get(action="account.create", object_id=str(user.pk))
    assert event.actor_username == "admin"
    assert event.actor_roles == "system_admin"
    assert event.area_code == areas["township_a"].code
    assert event.after["roles"] == ["counter_clerk"]


def test_record_refuses_to_run_outside_a_transaction(transactional_db):
    with pytest.raises(RuntimeError):
        record(by=SETUP, action="x.y")


def test_the_chain_of_untouched_events_verifies(db):
    for index in range(5):
        with transaction.atomic():
            record(by=SETUP, action="test.event", object_repr=f"事件{index}", after={"n": index})
    report = verify_chain()
    assert report.broken_event_id is None
    assert report.checked == 5
    call_command("audit-verify")


def test_editing_an_audit_row_by_hand_is_detected_and_named(db):
    for index in range(4):
        with transaction.atomic():
            record(by=SETUP, action="test.event", object_repr=f"事件{index}")
    target = AuditEvent.objects.order_by("id")[2]
    triggers.drop(connection)  # a tamperer with the owner's rights; the test's transaction restores it
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET object_repr = %s WHERE id = %s", ["篡改", target.pk])
    assert verify_chain().broken_event_id == target.pk
    with pytest.raises(CommandError, match=f"#{target.pk}"):
        call_command("audit-verify")


def test_deleting_a_row_by_hand_breaks_the_link_of_the_next_one(db):
    for index in range(4):
        with transaction.atomic():
            record(by=SETUP, action="test.event", object_repr=f"事件{index}")
    ids = list(AuditEvent.objects.order_by("id").values_list("id", flat=True))
    triggers.drop(connection)  # a tamperer with the owner's rights; the test's transaction restores it
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [ids[1]])
    assert verify_chain().broken_event_id == ids[2]


def test_deleting_the_newest_row_is_detected_through_the_chain_head(db):
    for index in range(3):
        with transaction.atomic():
            record(by=SETUP, action="test.event", object_repr=f"事件{index}")
    newest = AuditEvent.objects.order_by("-id").first()
    triggers.drop(connection)  # a tamperer with the owner's rights; the test's transaction restores it
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [newest.pk])
    assert verify_chain().broken_event_id == newest.pk


def test_the_application_cannot_edit_or_delete_an_event(db):
    with transaction.atomic():
        event = record(by=SETUP, action="test.event")
    event.object_repr = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_auditors_read_the_trail_of_their_area_only(areas, make_user, client_for):
    auditor = make_user(areas["township_a"], "auditor")
    with transaction.atomic():
        record(by=SETUP, action="test.mine", object_repr="本镇事件", area_code=areas["village_a"].code)
        record(by=SETUP, action="test.other", object_repr="邻镇事件", area_code=areas["village_b"].code)
    page = client_for(auditor).get("/audit/")
    assert page.status_code == 200
    assert "本镇事件" in page.content.decode()
    assert "邻镇事件" not in page.content.decode()


def test_staff_without_an_audit_role_cannot_open_the_trail(areas, make_user, client_for):
    clerk = make_user(areas["township_a"], "counter_clerk")
    assert client_for(clerk).get("/audit/").status_code == 403


def test_the_auditor_home_counts_todays_events_and_failed_sign_ins(areas, make_user, client_for):
    auditor = make_user(areas["township_a"], "auditor")
    with transaction.atomic():
        record(by=SETUP, action="account.login_failed", object_repr="cun", area_code=areas["village_a"].code)
        record(by=SETUP, action="account.login_failed", object_repr="far", area_code=areas["village_b"].code)
    page = client_for(auditor).get("/").content.decode()
    assert "最近 24 小时审计事件" in page
    assert "登录失败：1 次" in page
