"""The HMAC-SM3 key of the blind indexes is versioned and rotates: ``jisheng crypto-rotate --index`` makes
a new version current and recomputes every blind index column (a sealed text's ``index_field``, the
registry's ID number tail, any column declared with ``derived_index``) in one transaction with a
security event; searches find the same rows before, inside that transaction and after it."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from jisheng.audit import keys as audit_keys
from jisheng.audit.models import AuditEvent
from jisheng.benefits.models import Application
from jisheng.core.actor import COMMAND_LINE
from jisheng.core.crypto import fields as sealed
from jisheng.registry.codes import Sex
from jisheng.registry.models import Person
from jisheng.registry.queries import person_by_id_number, text_condition
from tests.factories import make_person

CARD = "6228480402564890018"


@pytest.fixture
def own_keys(settings, tmp_path):
    """A key store of this test's own, so rotating keys leaves the other tests' alone."""
    settings.KEYS_DIR = tmp_path / "keys"
    return settings.KEYS_DIR


@pytest.fixture
def rows(own_keys, areas):
    village = areas["village_a"]
    person = make_person(area=village, name="张三", sex=Sex.MALE, birth=datetime.date(1985, 3, 2))
    application = Application.objects.create(
        person=make_person(area=village, name="李小宝", sex=Sex.MALE, birth=datetime.date(2025, 3, 1)),
        area=village,
        programme_id="childcare_subsidy",
        year=2025,
        version="2025",
        status=Application.Status.ELIGIBLE,
        amount=Decimal("3600.00"),
        reasons="",
        account_kind="bank_card",
        bank_account=CARD,
        account_holder="李秀英",
    )
    return {"person": person, "application": application}


def _found(rows):
    """Each row found by its blind index as the search box and the pages look for it (current key)."""
    person, application = rows["person"], rows["application"]
    field = Application._meta.get_field("bank_account")
    by_tail = Person.objects.filter(text_condition(person.id_number[-4:]))
    return (
        list(by_tail) == [person]
        and list(Application.objects.filter(bank_account_index=field.index_of(CARD))) == [application]
        and person_by_id_number(person.id_number) == person
    )


def _tail(pk):
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_tail FROM registry_person WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_every_blind_index_column_is_known_to_the_rotation():
    columns = {(index.model, index.column) for _model, index in sealed.index_columns()}
    assert {("registry.person", "id_tail"), ("benefits.application", "bank_account_index")} <= columns
    for model, field in sealed.sealed_fields():
        if isinstance(field, sealed.SealedTextField) and field.index_field:
            assert (model._meta.label_lower, model._meta.get_field(field.index_field).column) in columns


def test_every_column_named_as_a_blind_index_is_recomputed_by_the_rotation():
    """A column an app fills with ``blind_index`` but does not declare would find nothing after a
    rotation: by the project's naming (``*_index``, ``*_tail``, 64 hex digits) each must be declared."""
    from django.apps import apps

    columns = {(index.model, index.column) for _model, index in sealed.index_columns()}
    named = {
        (model._meta.label_lower, field.column)
        for model in apps.get_models()
        for field in model._meta.local_concrete_fields
        if field.name.endswith(("_index", "_tail")) and getattr(field, "max_length", None) == 64
    }
    assert named <= columns, named - columns


def test_rotating_the_index_key_recomputes_every_index_and_is_a_security_event(rows, own_keys):
    assert _found(rows)
    before = _tail(rows["person"].pk)
    assert sealed.index_key_version() == "1"

    call_command("crypto-rotate", "--index")

    assert sealed.index_key_version() == "2"
    after = _tail(rows["person"].pk)
    assert after != before and len(after) == 64
    assert _found(rows)  # the same searches, under the new key
    assert not Person.objects.filter(id_tail=before).exists()  # the old index finds nothing any more
    assert (own_keys / "sm" / "index-hmac-sm3-1.key").exists()  # kept, as older backups use it
    event = AuditEvent.objects.get(action="crypto.index_key_rotate")
    assert (event.before, event.after["version"]) == ({"version": "1"}, "2")
    assert event.after["rows"]["registry_person"] >= 2 and event.after["rows"]["benefits_application"] == 1
    # the data key did not move: the sealed values are the same
    assert sealed.field_key_version() == "1"


def test_searches_inside_the_rotating_transaction_already_use_the_new_index(rows, monkeypatch):
    seen = []
    record = audit_keys.record

    def record_after_a_search(**kwargs):
        seen.append(_found(rows))  # the rows are recomputed, the transaction not yet committed
        return record(**kwargs)

    monkeypatch.setattr(audit_keys, "record", record_after_a_search)
    audit_keys.index_key_rotate(by=COMMAND_LINE)
    assert seen == [True] and _found(rows)


def test_a_failed_rotation_leaves_the_old_key_current_and_the_indexes_as_they_were(rows, monkeypatch):
    before = _tail(rows["person"].pk)

    def fail(**kwargs):
        raise RuntimeError("the audit trail refused")

    monkeypatch.setattr(audit_keys, "record", fail)
    with pytest.raises(RuntimeError):
        audit_keys.index_key_rotate(by=COMMAND_LINE)
    assert sealed.index_key_version() == "1" and _tail(rows["person"].pk) == before
    assert _found(rows)
