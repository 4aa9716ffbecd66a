"""A staff member's phone is sealed at rest with SM4: the raw row holds no plaintext, the model reads it
in the clear, and a look-up by the whole phone still finds the staff member."""

import importlib

from django.db import connection

from jisheng.accounts.models import User

PHONE = "13712345678"


def _raw_phone(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM accounts_user WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


def test_the_raw_staff_row_holds_no_plain_phone_and_the_whole_phone_finds_the_staff_member(
    areas, make_user
) -> None:
    clerk = make_user(areas["township_a"], "counter_clerk")
    clerk.phone = PHONE
    clerk.save(update_fields=["phone"])
    stored = _raw_phone(clerk.pk)
    assert stored.startswith("sm4siv:") and PHONE not in stored
    assert User.objects.get(pk=clerk.pk).phone == PHONE
    assert User.objects.get(phone=PHONE) == clerk


def test_the_migration_seals_staff_phones_written_in_the_clear_and_reversed_opens_them(
    areas, make_user
) -> None:
    clerk = make_user(areas["township_a"], "counter_clerk")
    User.objects.filter(pk=clerk.pk).update(phone=PHONE)
    migration = importlib.import_module("jisheng.accounts.migrations.0003_seal_staff_phones")

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection  # type: ignore[attr-defined]
    migration.open_rows(None, editor)
    assert _raw_phone(clerk.pk) == PHONE
    assert User.objects.get(pk=clerk.pk).phone == PHONE
    migration.seal_rows(None, editor)
    assert _raw_phone(clerk.pk).startswith("sm4siv:")
    assert User.objects.get(phone=PHONE) == clerk
