"""ID numbers and phones are sealed at rest with SM4; the registry's searches, pages and import keep
working on the sealed columns, a wrong key fails loudly, and the data key rotates with an audit event."""

import datetime
import importlib

import pytest
from django.core.management import call_command
from django.db import connection

from jisheng.audit.models import AuditEvent
from jisheng.core.crypto import fields as sealed
from jisheng.core.crypto.primitives import DecryptionFailed
from jisheng.registry.codes import Sex
from jisheng.registry.models import Person
from jisheng.registry.queries import person_by_id_number
from tests.factories import make_person

PHONE = "13812345678"


def raw(table, pk_column, pk, *columns):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE {pk_column} = %s", [pk])
        return cursor.fetchone()


@pytest.fixture
def person(areas):
    return make_person(
        area=areas["village_a"], name="张三", sex=Sex.MALE, birth=datetime.date(1985, 3, 2), phone=PHONE
    )


@pytest.fixture
def own_keys(settings, tmp_path):
    """A key store of this test's own, so rotating or replacing keys leaves the others' alone."""
    settings.KEYS_DIR = tmp_path / "keys"
    return settings.KEYS_DIR


def test_the_raw_row_holds_no_plain_id_number_or_phone_and_the_model_reads_them(person):
    id_number, phone, tail = raw("registry_person", "id", person.pk, "id_number", "phone", "id_tail")
    assert person.id_number not in id_number and id_number.startswith("sm4siv:")
    assert PHONE not in phone and phone.startswith("sm4siv:")
    assert person.id_number[-4:] not in tail and len(tail) == 64
    history = raw("registry_historicalperson", "id", person.pk, "id_number", "phone")
    assert person.id_number not in history[0] and PHONE not in history[1]
    fresh = Person.objects.get(pk=person.pk)
    assert (fresh.id_number, fresh.phone) == (person.id_number, PHONE)


def test_exact_lookups_work_on_the_sealed_column_and_prefix_lookups_are_refused(person):
    from django.core.exceptions import FieldError

    assert Person.objects.get(id_number=person.id_number) == person
    assert list(Person.objects.filter(id_number__in=[person.id_number, "x"])) == [person]
    assert list(Person.objects.filter(id_number__any_of=[person.id_number])) == [person]
    assert Person.objects.filter(phone=PHONE).get() == person
    assert person_by_id_number(person.id_number.lower()) == person
    with pytest.raises(FieldError):
        Person.objects.filter(id_number__startswith=person.id_number[:6]).count()


def test_the_search_page_finds_a_person_by_the_whole_id_number_and_by_its_last_four(
    areas, make_user, client_for, person
):
    client = client_for(make_user(areas["township_a"], "counter_clerk"))
    assert "张三" in client.get("/registry/", {"q": person.id_number}).content.decode()
    assert "张三" in client.get("/registry/", {"q": person.id_number[-4:]}).content.decode()
    assert "张三" in client.get("/registry/", {"q": PHONE}).content.decode()


def test_importing_a_registered_id_number_again_finds_the_person_instead_of_a_duplicate(
    tmp_path, areas, person
):
    from jisheng.core.actor import System
    from jisheng.registry.imports.engine import run_import

    path = tmp_path / "again.csv"
    path.write_text(
        f"姓名,身份证号,性别,出生日期,村代码\n张三,{person.id_number},男,1985年3月2日,{areas['village_a'].code}\n",
        encoding="utf-8-sig",
    )
    result = run_import(path=path, kind="persons", by=System(job="test"))
    assert not result.errors and result.created == 0
    assert Person.objects.filter(id_number=person.id_number).count() == 1


def test_a_wrong_key_fails_loudly_instead_of_reading_garbage(person, own_keys):
    with pytest.raises(DecryptionFailed):
        Person.objects.get(pk=person.pk)


def test_the_migration_seals_rows_written_in_the_clear(person):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE registry_person SET id_number = %s, phone = %s, id_tail = '' WHERE id = %s",
            [person.id_number, PHONE, person.pk],
        )
    assert Person.objects.get(pk=person.pk).id_number == person.id_number  # plaintext still reads
    migration = importlib.import_module("jisheng.registry.migrations.0008_seal_id_numbers_and_phones")

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection  # type: ignore[attr-defined]
    migration.seal_rows(None, editor)
    id_number, phone, tail = raw("registry_person", "id", person.pk, "id_number", "phone", "id_tail")
    assert id_number.startswith("sm4siv:") and phone.startswith("sm4siv:") and tail
    assert Person.objects.get(id_number=person.id_number).phone == PHONE
    assert Person.objects.get(id_tail=Person.objects.get(pk=person.pk).id_tail) == person


def test_rotating_the_data_key_reseals_every_row_and_is_a_security_event(own_keys, areas):
    person = make_person(area=areas["village_a"], name="李四", sex=Sex.MALE, birth=datetime.date(1980, 1, 1))
    before = raw("registry_person", "id", person.pk, "id_number")[0]
    assert sealed.sealed_version(before) == "1"
    call_command("crypto-rotate")
    after = raw("registry_person", "id", person.pk, "id_number")[0]
    assert sealed.sealed_version(after) == "2" and after != before
    assert Person.objects.get(id_number=person.id_number) == person
    assert (own_keys / "sm" / "field-sm4-1.key").exists()  # old backups still open
    event = AuditEvent.objects.get(action="crypto.field_key_rotate")
    assert (event.before, event.after["version"]) == ({"version": "1"}, "2")
    assert event.after["rows"]["registry_person"] >= 1
