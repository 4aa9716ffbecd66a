"""A petitioner's phone is sealed at rest with SM4: the raw row holds no plaintext, and what finds a file
or a matter by the phone (the portal's number + phone, the same petitioner filing again) still finds it."""

from __future__ import annotations

import importlib
import json

from django.db import connection
from django.test import Client
from django.urls import reverse

from jisheng.audit.models import AuditEvent
from jisheng.petitions import services
from jisheng.petitions.models import Matter, PetitionerFile

PHONE = "13800138000"


def _raw_phone(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM petitions_petitionerfile WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


def test_neither_the_raw_file_nor_its_audit_event_holds_the_plain_phone_and_the_portal_and_clerk_find_it(
    areas, staff
) -> None:
    Client().post(
        reverse("petitions:portal_new"),
        {
            "kind": "petition",
            "area": areas["township_a"].code,
            "field": "birth_permission",
            "name": "王秀英",
            "phone": "138 0013 8000",
            "title": "生育登记未办结",
            "facts": "网上申请生育登记超过期限未办结。",
        },
    )
    matter = Matter.objects.select_related("file").get()
    stored = _raw_phone(matter.file.pk)
    assert stored.startswith("sm4siv:") and PHONE not in stored
    assert matter.file.phone == PHONE
    trail = json.dumps(AuditEvent.objects.get(action="petitions.file_open").after)
    assert PHONE not in trail and PHONE[-4:] in trail
    stranger = Client()
    stranger.post(reverse("petitions:portal_track"), {"number": matter.number, "secret": PHONE})
    assert stranger.get(reverse("petitions:portal_matter", args=[matter.number])).status_code == 200
    again = services.file_open(
        area=areas["township_a"], kind="person", name="王秀英", phone=PHONE, by=staff["clerk"]
    )
    assert again == matter.file and PetitionerFile.objects.get(phone=PHONE) == matter.file


def test_the_migration_seals_phones_written_in_the_clear_and_reversed_opens_them(areas, staff) -> None:
    file = services.file_open(
        area=areas["township_a"], kind="person", name="李娜", phone=PHONE, by=staff["clerk"]
    )
    migration = importlib.import_module("jisheng.petitions.migrations.0007_seal_petitioner_phones")

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection  # type: ignore[attr-defined]
    migration.open_rows(None, editor)
    assert _raw_phone(file.pk) == PHONE
    assert PetitionerFile.objects.get(pk=file.pk).phone == PHONE
    migration.seal_rows(None, editor)
    assert _raw_phone(file.pk).startswith("sm4siv:")
    assert PetitionerFile.objects.get(phone=PHONE) == file
